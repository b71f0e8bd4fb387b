package dev.oauthrefresher.integration;

import dev.oauthrefresher.provider.Provider;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores enums as their lowercase codes, which the schema's CHECK constraints list. */
final class CodeConverters {

    private CodeConverters() {
    }

    @Converter
    static class ProviderConverter implements AttributeConverter<Provider, String> {
        @Override
        public String convertToDatabaseColumn(Provider attribute) {
            return attribute == null ? null : attribute.code();
        }

        @Override
        public Provider convertToEntityAttribute(String dbData) {
            return dbData == null ? null : Provider.fromCode(dbData);
        }
    }

    @Converter
    static class StatusConverter implements AttributeConverter<IntegrationStatus, String> {
        @Override
        public String convertToDatabaseColumn(IntegrationStatus attribute) {
            return attribute == null ? null : attribute.code();
        }

        @Override
        public IntegrationStatus convertToEntityAttribute(String dbData) {
            return dbData == null ? null : IntegrationStatus.fromCode(dbData);
        }
    }
}
