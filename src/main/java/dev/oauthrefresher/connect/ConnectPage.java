package dev.oauthrefresher.connect;

/** The plain page shown when no redirect URI can be trusted: a fixed message, no script, no secret. */
final class ConnectPage {

    private ConnectPage() {
    }

    /** {@code message} is one of the service's own sentences, never request input; escaped all the same. */
    static String of(String message) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in link</title></head>\n"
                + "<body><h1>This sign-in cannot continue</h1><p>" + escape(message) + "</p></body></html>\n";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
