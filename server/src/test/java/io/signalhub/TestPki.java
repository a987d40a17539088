package io.signalhub;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests, made with the JDK's {@code keytool} in a folder: self-signed CAs and certificates they
 * sign (EC P-256, valid 2 days, for server and client authentication), as PEM files.
 */
final class TestPki {

  private static final String STOREPASS = "test-only-store";

  private final Path dir;

  TestPki(Path dir) {
    this.dir = dir;
  }

  /** A certificate {@code cert}, its private key {@code key} (PKCS#8), and the CA certificate(s) {@code ca}; PEM files. */
  record Issued(Path cert, Path key, Path ca) {
  }

  /** A self-signed CA: its PKCS#12 store {@code <name>.p12} and its certificate {@code <name>.pem}. */
  Path ca(String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Path pem = dir.resolve(name + ".pem");
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
      "-ext", "bc:c", "-validity", "2", "-keystore", store.toString());
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store.toString(), "-file", pem.toString());
    return pem;
  }

  /**
   * A key and certificate for {@code name}, signed by CA {@code caName} (made by {@link #ca}), as PEM files; the
   * certificate names {@code 127.0.0.1} and {@code localhost} (for a server on loopback).
   */
  Issued signed(String name, String caName, Path caPem) throws Exception {
    Path store = dir.resolve(name + ".p12");
    Path csr = dir.resolve(name + ".csr");
    Path cert = dir.resolve(name + ".pem");
    Path key = dir.resolve(name + ".key");
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
      "-validity", "2", "-keystore", store.toString());
    keytool("-certreq", "-alias", "node", "-keystore", store.toString(), "-file", csr.toString());
    keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", dir.resolve(caName + ".p12").toString(),
      "-infile", csr.toString(), "-outfile", cert.toString(), "-validity", "2", "-ext", "eku=serverAuth,clientAuth",
      "-ext", "san=ip:127.0.0.1,dns:localhost");
    // keytool does not write private keys: the PKCS#8 encoding from the store, as PEM
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = java.nio.file.Files.newInputStream(store)) {
      ks.load(in, STOREPASS.toCharArray());
    }
    Key k = ks.getKey("node", STOREPASS.toCharArray());
    java.nio.file.Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
      + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(k.getEncoded())
      + "\n-----END PRIVATE KEY-----\n");
    return new Issued(cert, key, caPem);
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", STOREPASS, "-storetype", "PKCS12", "-noprompt"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("keytool " + String.join(" ", args) + " failed:\n" + out);
    }
  }
}
