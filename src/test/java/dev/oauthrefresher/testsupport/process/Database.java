package dev.oauthrefresher.testsupport.process;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** One database of the harness's PostgreSQL, read and arranged with plain JDBC (no service code involved). */
public record Database(LocalPostgres server, String name) {

    /** The single number a query returns. */
    public long count(String sql, Object... params) {
        List<Object[]> rows = rows(sql, params);
        return ((Number) rows.get(0)[0]).longValue();
    }

    /** {@code SELECT key, count(*) ... GROUP BY key} as a sorted map. */
    public Map<String, Long> countBy(String sql, Object... params) {
        Map<String, Long> counts = new TreeMap<>();
        for (Object[] row : rows(sql, params)) {
            counts.put(String.valueOf(row[0]), ((Number) row[1]).longValue());
        }
        return counts;
    }

    public List<Object[]> rows(String sql, Object... params) {
        try (Connection c = server.connect(name); PreparedStatement s = prepare(c, sql, params); ResultSet r = s.executeQuery()) {
            List<Object[]> rows = new ArrayList<>();
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                Object[] row = new Object[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = r.getObject(i + 1);
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("Query failed on " + name + ": " + sql, e);
        }
    }

    public int update(String sql, Object... params) {
        try (Connection c = server.connect(name); PreparedStatement s = prepare(c, sql, params)) {
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Statement failed on " + name + ": " + sql, e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            if (p instanceof String[] strings) {
                s.setArray(i + 1, c.createArrayOf("text", strings));
            } else {
                s.setObject(i + 1, p);
            }
        }
        return s;
    }
}
