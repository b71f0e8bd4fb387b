package dev.oauthrefresher.webhook;

import jakarta.inject.Singleton;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A webhook receiver URL whose syntax and scheme {@link UrlGuard} accepts; the violation says why not, naming the
 * field. Its host is looked up later, after the tenant's endpoint cap is checked ({@link WebhookEndpointService}).
 */
@Constraint(validatedBy = ReceiverUrl.Validator.class)
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT, ElementType.METHOD})
public @interface ReceiverUrl {

    String message() default "is not an acceptable webhook URL";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    /** Syntax only, no lookup: it runs wherever Bean Validation runs, the event loop included. */
    @Singleton
    class Validator implements ConstraintValidator<ReceiverUrl, String> {

        private final UrlGuard guard;

        Validator(UrlGuard guard) {
            this.guard = guard;
        }

        @Override
        public boolean isValid(String url, ConstraintValidatorContext context) {
            if (url == null) {
                return true;
            }
            try {
                guard.parse(url);
                return true;
            } catch (UrlGuard.Refused refused) {
                context.disableDefaultConstraintViolation();
                // the guard's wording never contains the URL, so nothing the caller sent is interpolated
                context.buildConstraintViolationWithTemplate(refused.getMessage()).addConstraintViolation();
                return false;
            }
        }
    }
}
