package dev.oauthrefresher.web;

/**
 * Whole-number query parameters (paging), read from their text: JAX-RS answers a query parameter it cannot convert
 * ({@code ?limit=ten}) with 404, as if the resource did not exist, and without naming the parameter. Read here, a
 * non-number or an out-of-range number is a 400 {@code invalid-request} naming the field, like every other bad input.
 */
public final class QueryParams {

    private QueryParams() {
    }

    /** {@code raw} as a whole number from {@code min} to {@code max}; otherwise a problem naming {@code field}. */
    public static int wholeNumber(String field, String raw, int min, int max) {
        String message = "must be a whole number from " + min + " to " + max;
        // at most 10 digits after an optional sign: anything longer is out of range without parsing it
        if (raw == null || !raw.matches("-?\\d{1,10}")) {
            throw ProblemException.invalidField(field, message);
        }
        long value = Long.parseLong(raw);
        if (value < min || value > max) {
            throw ProblemException.invalidField(field, message);
        }
        return (int) value;
    }
}
