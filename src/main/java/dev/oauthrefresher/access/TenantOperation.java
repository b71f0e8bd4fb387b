package dev.oauthrefresher.access;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code /v1} method as a blocking tenant operation (it does Key Vault work): each call spends one permit of
 * its tenant's budget ({@link TenantOperationBudget}), or is answered 429 {@code tenant-operation-budget}.
 */
@NameBinding
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
public @interface TenantOperation {
}
