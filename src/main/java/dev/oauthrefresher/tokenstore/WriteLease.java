package dev.oauthrefresher.tokenstore;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * Who writes an integration's tokens, and until when a write of theirs may still be sent: the holder of the row's
 * lease as the row stores it ({@code owner}), and the last instant its lease, as the database last confirmed it, keeps
 * every other writer away with a margin for the replicas' clocks ({@code sendBy}; the store takes its request timeout
 * off it too, asked again before every request:
 * the lease keeper moves it on while the process runs). A vault cannot check a lease, so its store sends nothing after
 * {@code sendBy}: a holder paused between its fence and its write (a frozen pod, a long collection) finds its write
 * refused, unsent, instead of overwriting what the row's next holder wrote. Where the tokens are sealed in PostgreSQL
 * the statement itself checks {@code owner}.
 */
public record WriteLease(String owner, Supplier<Instant> sendBy) {
}
