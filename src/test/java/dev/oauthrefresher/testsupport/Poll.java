package dev.oauthrefresher.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for an observable condition with a bounded deadline, instead of sleeping and hoping. */
public final class Poll {

    private Poll() {
    }

    /** Returns once {@code condition} holds; fails naming {@code what} if it does not within {@code atMost}. */
    public static void until(String what, Duration atMost, BooleanSupplier condition) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Not within " + atMost + ": " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
    }
}
