package io.sluice.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TicketKeysTest {
  @BeforeAll
  static void loadBoringSsl() {
    assertThat(OpenSsl.isAvailable()).as(String.valueOf(OpenSsl.unavailabilityCause())).isTrue();
  }

  @Test
  void readsA48ByteKeyAsNameThenAesThenHmac() throws Exception {
    byte[] raw = new byte[48];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) i;
    }

    OpenSslSessionTicketKey key = TicketKeys.parse(base64(raw) + "\n", "keys").get(0);

    assertThat(key.name()).containsExactly(slice(raw, 0, 16));
    assertThat(key.aesKey()).containsExactly(slice(raw, 16, 32));
    assertThat(key.hmacKey()).containsExactly(slice(raw, 32, 48));
  }

  @Test
  void derivesTheSixteenByteKeysOfAn80ByteKeyFromAllOfItsSecretBytes() throws Exception {
    byte[] raw = new byte[80];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) i;
    }

    OpenSslSessionTicketKey key = TicketKeys.parse(base64(raw), "keys").get(0);

    byte[] secret = slice(raw, 16, 80);
    assertThat(key.name()).containsExactly(slice(raw, 0, 16));
    assertThat(key.aesKey())
        .hasSize(16)
        .containsExactly(hmacSha256(secret, "sluice ticket aes key"));
    assertThat(key.hmacKey())
        .hasSize(16)
        .containsExactly(hmacSha256(secret, "sluice ticket hmac key"));
    assertThat(key.aesKey()).isNotEqualTo(key.hmacKey());
  }

  @Test
  void everyByteOfAn80ByteKeyChangesTheKeysUnlikeCuttingEachPartTo16Bytes() throws Exception {
    byte[] raw = new byte[80];
    byte[] lastByteChanged = new byte[80];
    lastByteChanged[79] = 1;

    OpenSslSessionTicketKey key = TicketKeys.parse(base64(raw), "keys").get(0);
    OpenSslSessionTicketKey changed = TicketKeys.parse(base64(lastByteChanged), "keys").get(0);

    assertThat(changed.name()).isEqualTo(key.name());
    assertThat(changed.aesKey()).isNotEqualTo(key.aesKey());
    assertThat(changed.hmacKey()).isNotEqualTo(key.hmacKey());
  }

  @Test
  void keepsTheFileOrderSoTheFirstKeyEncryptsAndSkipsCommentsAndBlankLines() throws Exception {
    byte[] first = new byte[48];
    byte[] second = new byte[80];
    first[0] = 1;
    second[0] = 2;

    List<OpenSslSessionTicketKey> keys =
        TicketKeys.parse("# rotated hourly\n" + base64(first) + "\n\n" + base64(second), "keys");

    assertThat(keys).hasSize(2);
    assertThat(keys.get(0).name()[0]).isEqualTo((byte) 1);
    assertThat(keys.get(1).name()[0]).isEqualTo((byte) 2);
  }

  @Test
  void refusesAKeyOfAnotherLengthNamingTheLine() {
    assertThatThrownBy(
            () -> TicketKeys.parse(base64(new byte[48]) + "\n" + base64(new byte[32]), "keys"))
        .isInstanceOf(TlsSetupException.class)
        .hasMessage(
            "keys:2: a ticket key is 48 or 80 bytes, this one is 32 (make one with: openssl rand 80"
                + " | base64 -w0)");
  }

  @Test
  void refusesTextThatIsNotBase64AndAnEmptyFile() {
    assertThatThrownBy(() -> TicketKeys.parse("not base64!", "keys"))
        .isInstanceOf(TlsSetupException.class)
        .hasMessageStartingWith("keys:1: not base64");
    assertThatThrownBy(() -> TicketKeys.parse("\n# nothing\n", "keys"))
        .isInstanceOf(TlsSetupException.class)
        .hasMessage("keys: no ticket key in the file");
  }

  @Test
  void rotatesGeneratedKeysSoTheNewestEncryptsAndThePreviousStillDecrypts() throws Exception {
    TicketKeys keys = TicketKeys.load(null);
    OpenSslSessionTicketKey encrypting = keys.current().get(0);

    keys.rotate();

    assertThat(keys.current()).hasSize(2);
    assertThat(keys.current().get(1)).isSameAs(encrypting);
    assertThat(keys.current().get(0).name()).isNotEqualTo(encrypting.name());
    keys.rotate();
    assertThat(keys.current()).doesNotContain(encrypting);
  }

  private static byte[] hmacSha256(byte[] secret, String label) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return slice(mac.doFinal(label.getBytes(StandardCharsets.US_ASCII)), 0, 16);
  }

  @Test
  void takesTheFleetsKeysNewestFirstAndStopsRotatingThem() throws Exception {
    TicketKeys keys = TicketKeys.load(null);
    byte[] newest = new byte[48];
    byte[] older = new byte[48];
    newest[0] = 1;
    older[0] = 2;

    keys.share(List.of(newest, older));

    assertThat(keys.current()).hasSize(2);
    assertThat(keys.current().get(0).name()).isEqualTo(slice(newest, 0, 16));
    assertThat(keys.current().get(1).name()).isEqualTo(slice(older, 0, 16));
    assertThat(keys.rotate()).as("the fleet rotates, not this instance").isFalse();
    assertThat(keys.current().get(0).name()).isEqualTo(slice(newest, 0, 16));
    assertThatThrownBy(() -> keys.share(List.of(new byte[80])))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static String base64(byte[] raw) {
    return Base64.getEncoder().encodeToString(raw);
  }

  private static byte[] slice(byte[] raw, int from, int to) {
    return java.util.Arrays.copyOfRange(raw, from, to);
  }
}
