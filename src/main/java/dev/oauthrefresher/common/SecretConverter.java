package dev.oauthrefresher.common;

import org.eclipse.microprofile.config.spi.Converter;

/** Lets configuration hand out {@link Secret}s directly, so a secret setting is never a printable String. */
public class SecretConverter implements Converter<Secret> {

    @Override
    public Secret convert(String value) {
        return value == null || value.isBlank() ? null : new Secret(value.trim());
    }
}
