package dev.oauthrefresher.lease;

import java.util.UUID;

/**
 * Who holds a row's lease: this replica, what for, and which run or call. Unique per claim (the run id is random), so
 * an unchanged owner in the row proves that nobody else has claimed it since: the fence rests on that. Stored in
 * {@code integration.lease_owner} as {@link #toString()}, e.g. {@code pod-7/1/run/9f0c…}.
 */
public record LeaseOwner(String replica, Purpose purpose, UUID run) {

    /** Why a row is held; part of the owner, so an operator reading {@code lease_owner} sees who and what for. */
    public enum Purpose {
        /** A triggered run's claim of due rows. */
        RUN("run"),
        /** One row refreshed outside a run: a manual refresh or an on-demand access token. */
        REFRESH("refresh"),
        /** A pending rotation taken over from a replica that is gone. */
        ROTATION("rotation"),
        /** Register, reconnect or disconnect. */
        LIFECYCLE("lifecycle"),
        /** Moving a row's tokens to another vault. */
        VAULT_MOVE("vault-move");

        private final String code;

        Purpose(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    @Override
    public String toString() {
        return replica + "/" + purpose.code() + "/" + run;
    }
}
