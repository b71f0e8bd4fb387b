package dev.oauthrefresher.cron;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;

/**
 * The optional JSON body of {@code POST /cron/{task}}: narrows a run. Every field may be omitted; unknown
 * fields are refused.
 *
 * @param tenant only this tenant's integrations
 * @param provider only this provider ({@code google}, {@code microsoft}, {@code oauth2})
 * @param providerGroup only this provider group
 * @param limit at most this many integrations in this run
 * @param dryRun report what would be refreshed and change nothing
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record RunRequest(
        @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$", message = "must be a tenant id") String tenant,
        @Pattern(regexp = "^(google|microsoft|oauth2)$", message = "must be one of google, microsoft, oauth2") String provider,
        @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$", message = "must be a provider group name") String providerGroup,
        @Min(value = 1, message = "must be at least 1") Integer limit,
        Boolean dryRun) {

    public static final RunRequest EVERYTHING = new RunRequest(null, null, null, null, false);

    public boolean isDryRun() {
        return Boolean.TRUE.equals(dryRun);
    }
}
