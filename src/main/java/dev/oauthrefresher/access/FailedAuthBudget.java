package dev.oauthrefresher.access;

import dev.oauthrefresher.common.RateLimiter;
import dev.oauthrefresher.common.RetryAfter;
import dev.oauthrefresher.web.ProblemException;
import dev.oauthrefresher.web.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;

/**
 * This replica's budget of failed authentications, all callers together ({@code failed-authentications-per-second}).
 * A lookup of a credential not known to be valid takes a permit first and gives it back if the credential was valid,
 * so at most the budget's worth of failing lookups reach the database, however many arrive at once; past it such a
 * credential is refused with 429 before any query.
 */
@ApplicationScoped
class FailedAuthBudget {

    private final RateLimiter budget;
    private final int perSecond;

    FailedAuthBudget(AccessConfig config) {
        this.perSecond = config.failedAuthenticationsPerSecond();
        this.budget = RateLimiter.perSecond(perSecond);
    }

    /** Takes a permit for a lookup that may fail; if none is left, the 429 to answer instead. */
    Optional<ProblemException> take() {
        return budget.tryAcquire().map(this::spent);
    }

    /** The lookup found a valid credential: it was no failure. */
    void giveBack() {
        budget.giveBack();
    }

    private ProblemException spent(Duration wait) {
        long seconds = RetryAfter.seconds(wait);
        return new ProblemException(ProblemType.FAILED_AUTH_BUDGET,
                "This replica refused more credentials than refresher.access.failed-authentications-per-second ("
                        + perSecond + ") allows; credentials it has not seen authenticate recently are refused for now. "
                        + "Retry after " + seconds + " s.", wait);
    }
}
