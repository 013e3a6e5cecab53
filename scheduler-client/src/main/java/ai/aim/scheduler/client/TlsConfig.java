package ai.aim.scheduler.client;

import java.nio.file.Path;

/**
 * TLS settings for the link to the scheduler. {@code trustCa} verifies the scheduler's
 * certificate (null = the JDK's default trust store); {@code certChain} and {@code privateKey}
 * (PEM, both or neither) present a client certificate for mutual TLS. Immutable.
 */
public record TlsConfig(Path certChain, Path privateKey, Path trustCa) {

    public TlsConfig {
        if ((certChain == null) != (privateKey == null)) {
            throw new IllegalArgumentException(
                    "certChain/privateKey: " + certChain + "/" + privateKey + " (expected: both set or both empty)");
        }
    }

    /** Server verification only, no client certificate. */
    public static TlsConfig trusting(Path trustCa) {
        return new TlsConfig(null, null, trustCa);
    }
}
