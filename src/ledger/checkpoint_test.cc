#include "ledger/checkpoint.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cctype>
#include <string>
#include <vector>

namespace dalil::ledger {
namespace {

const std::string kEmDash = "\xE2\x80\x94";

Checkpoint Sample() {
  Checkpoint cp;
  cp.origin = "dalil.example/ledger";
  cp.size = 1234;
  cp.root = Sha256("root");
  return cp;
}

SigningKey Key(const std::string& name = "dalil.example/ledger") {
  auto key = GenerateSigningKey(name);
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  return *key;
}

TEST(Base64Test, Rfc4648VectorsAndStrictness) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},       {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain) << encoded;
  }
  EXPECT_EQ(Base64Encode(std::string("\xfb\xff", 2)), "+/8=");
  for (const char* bad : {"Zg=", "Zg", "Zh==", "Zg===", "Zg== ", " Zg==", "Z", "Zm9v\n",
                          "Zm9v=", "Zm-v", "Zm_v", "@@@@", "===="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(CheckpointBodyTest, FormatAndRoundTrip) {
  Checkpoint cp = Sample();
  const std::string body = CheckpointBody(cp);
  EXPECT_EQ(body, "dalil.example/ledger\n1234\n" + Base64Encode(std::string(
                                                     cp.root.begin(), cp.root.end())) +
                      "\n");
  auto parsed = ParseCheckpointBody(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, cp);

  cp.extensions = {"Timestamp: 1700000000", "— other extension"};
  cp.size = 0;
  parsed = ParseCheckpointBody(CheckpointBody(cp));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, cp);
  EXPECT_EQ(CheckpointBody(*parsed), CheckpointBody(cp));

  cp.size = UINT64_MAX;
  EXPECT_EQ(ParseCheckpointBody(CheckpointBody(cp))->size, UINT64_MAX);
}

TEST(CheckpointBodyTest, RejectsMalformed) {
  const std::string root = Base64Encode(std::string(32, 'r'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"origin\n5\n" + root, "no final newline"},
      {"origin\n5\n", "two lines"},
      {"\n5\n" + root + "\n", "empty origin"},
      {"origin\n05\n" + root + "\n", "leading zero"},
      {"origin\n00\n" + root + "\n", "double zero"},
      {"origin\n+5\n" + root + "\n", "sign"},
      {"origin\n-5\n" + root + "\n", "negative"},
      {"origin\n 5\n" + root + "\n", "space"},
      {"origin\n\n" + root + "\n", "empty size"},
      {"origin\n18446744073709551616\n" + root + "\n", "overflow"},
      {"origin\n5\n" + Base64Encode(std::string(31, 'r')) + "\n", "short root"},
      {"origin\n5\n" + Base64Encode(std::string(33, 'r')) + "\n", "long root"},
      {"origin\n5\n" + root.substr(0, root.size() - 1) + "\n", "bad base64"},
      {"origin\n5\n" + root + "\n\n", "empty extension"},
      {"origin\n5\n" + root + "\next\n\n", "empty extension after one"},
      {"origin\r\n5\n" + root + "\n", "carriage return"},
      {"ori\x01gin\n5\n" + root + "\n", "control character"},
      {"ori\xffgin\n5\n" + root + "\n", "invalid UTF-8"},
  };
  for (const auto& [body, what] : cases) {
    auto parsed = ParseCheckpointBody(body);
    EXPECT_FALSE(parsed.ok()) << what;
    EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument) << what;
  }
  EXPECT_TRUE(ParseCheckpointBody("origin\n0\n" + root + "\n").ok());
  EXPECT_TRUE(ParseCheckpointBody("أصل\n18446744073709551615\n" + root + "\n").ok());
}

TEST(KeyTest, NamesAndKeyIdPerSpec) {
  for (const char* ok : {"dalil.example/ledger", "a", "دليل", "x_y-z:1"}) {
    EXPECT_TRUE(IsValidKeyName(ok)) << ok;
  }
  for (const char* bad : {"", "a+b", "a b", "a\tb", "a\nb", "a\xC2\xA0" "b",
                          "a\xE3\x80\x80" "b", "a\xE2\x80\x8A" "b", "\xff"}) {
    EXPECT_FALSE(IsValidKeyName(bad)) << bad;
    EXPECT_EQ(GenerateSigningKey(bad).status().code(), Code::kInvalidArgument);
  }

  // Key ID computed independently with libsodium's SHA-256.
  SigningKey key = Key("dalil.example/ledger");
  std::string input = key.name + "\n\x01" +
                      std::string(key.public_key.begin(), key.public_key.end());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size());
  const uint32_t want = (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) |
                        (uint32_t{digest[2]} << 8) | digest[3];
  EXPECT_EQ(KeyId(key.name, key.public_key), want);
  EXPECT_EQ(VerifierOf(key).key_id, want);
}

TEST(KeyTest, PrivateAndVerifierKeyRoundTrip) {
  SigningKey key = Key();
  const std::string skey = EncodePrivateKey(key);
  const std::string vkey = VerifierKey(key);
  EXPECT_TRUE(skey.starts_with("PRIVATE+KEY+dalil.example/ledger+"));
  EXPECT_TRUE(vkey.starts_with("dalil.example/ledger+"));
  auto parsed = ParsePrivateKey(skey);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->name, key.name);
  EXPECT_EQ(parsed->public_key, key.public_key);
  EXPECT_EQ(parsed->secret_key, key.secret_key);
  auto verifier = ParseVerifierKey(vkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  EXPECT_EQ(*verifier, VerifierOf(key));
  EXPECT_EQ(VerifierKey(*parsed), vkey);
}

TEST(KeyTest, RejectsMalformedKeys) {
  SigningKey key = Key("log");
  const std::string vkey = VerifierKey(key);        // log+<id>+<b64>
  const std::string skey = EncodePrivateKey(key);  // PRIVATE+KEY+log+<id>+<b64>
  const std::string id = vkey.substr(4, 8);
  const std::string b64 = vkey.substr(13);
  std::string other_id = id;
  other_id[0] = other_id[0] == '0' ? '1' : '0';
  std::string raw_pub(1, '\x02');
  raw_pub += std::string(key.public_key.begin(), key.public_key.end());

  const std::vector<std::string> bad_verifiers = {
      "", "log", "log+" + id, "+" + id + "+" + b64, "l g+" + id + "+" + b64,
      "log+" + id.substr(1) + "+" + b64, "log+" + id + "0+" + b64,
      "log+zzzzzzzz+" + b64, "log+" + other_id + "+" + b64,
      "log+" + id + "+" + b64.substr(1), "log+" + id + "+" + Base64Encode(raw_pub),
      "log+" + id + "+" + Base64Encode(raw_pub.substr(0, 32)),
      "other+" + id + "+" + b64};
  for (const std::string& text : bad_verifiers) {
    auto v = ParseVerifierKey(text);
    EXPECT_EQ(v.status().code(), Code::kInvalidArgument) << text;
    EXPECT_EQ(v.status().field(), "verifier_key") << text;
  }
  // Upper-case hex is accepted, as Go's strconv.ParseUint does.
  std::string upper = vkey;
  for (size_t i = 4; i < 12; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(ParseVerifierKey(upper).ok());

  const std::vector<std::string> bad_privates = {
      "", vkey, "PRIVATE+KEY+", "PRIVATE+KEY+log+" + id, "private+key+" + skey.substr(12),
      "PRIVATE+KEY+log+" + other_id + skey.substr(24),
      "PRIVATE+KEY+other" + skey.substr(15), skey.substr(0, skey.size() - 2)};
  for (const std::string& text : bad_privates) {
    auto k = ParsePrivateKey(text);
    EXPECT_EQ(k.status().code(), Code::kInvalidArgument) << text;
    EXPECT_EQ(k.status().field(), "private_key") << text;
  }
}

// The example key and signed message from the documentation of Go's
// golang.org/x/mod/sumdb/note package. Ed25519 is deterministic, so our
// signature must be byte for byte theirs.
TEST(KeyTest, GoNotePackageVector) {
  const std::string skey =
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  const std::string vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  const std::string text =
      "If you think cryptography is the answer to your problem,\n"
      "then you don't know what your problem is.\n";
  const std::string note =
      text + "\n" + kEmDash +
      " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
      "pRZb6KE6RyyBwJnAM=\n";
  auto key = ParsePrivateKey(skey);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(EncodePrivateKey(*key), skey);
  EXPECT_EQ(VerifierKey(*key), vkey);
  auto verifier = ParseVerifierKey(vkey);
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(verifier->key_id, 0xc74f20a3u);
  EXPECT_EQ(SignNote(*key, text), note);
  // The signature verifies; the text is then rejected only for not being a
  // checkpoint (its second line is not a number).
  auto opened = OpenSignedCheckpoint(note, *verifier);
  EXPECT_EQ(opened.status().code(), Code::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("size"), std::string::npos)
      << opened.status().message();
}

TEST(SignedNoteTest, RoundTrip) {
  SigningKey key = Key();
  Checkpoint cp = Sample();
  const std::string body = CheckpointBody(cp);
  const std::string note = SignNote(key, body);
  EXPECT_TRUE(note.starts_with(body + "\n" + kEmDash + " " + key.name + " "));
  auto opened = OpenSignedCheckpoint(note, VerifierOf(key));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, cp);
  // Through the text formats too.
  auto verifier = ParseVerifierKey(VerifierKey(key));
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(OpenSignedCheckpoint(note, *verifier).ok());
  auto reparsed = ParsePrivateKey(EncodePrivateKey(key));
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(SignNote(*reparsed, body), note);
}

TEST(SignedNoteTest, AnyChangedByteFails) {
  SigningKey key = Key();
  const Verifier verifier = VerifierOf(key);
  const std::string body = CheckpointBody(Sample());
  const std::string note = SignNote(key, body);
  // Every byte of the body, then the separator and signature line.
  for (size_t i = 0; i < note.size(); ++i) {
    for (uint8_t mask : {0x01, 0x20, 0x80}) {
      std::string bad = note;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      auto opened = OpenSignedCheckpoint(bad, verifier);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " mask " << int{mask};
    }
  }
  // A changed size that keeps the text well-formed: the signature catches it.
  std::string bad = note;
  bad[bad.find('\n') + 1] = '9';
  EXPECT_EQ(OpenSignedCheckpoint(bad, verifier).status().message(), "signature does not verify");

  // Every bit of the decoded signature: the first 4 bytes are the key ID
  // (so no signature by this key is found), the rest break the signature.
  const size_t sig_at = note.rfind(' ') + 1;
  const std::string sig_b64 = note.substr(sig_at, note.size() - sig_at - 1);
  const std::string sig = *Base64Decode(sig_b64);
  ASSERT_EQ(sig.size(), 68u);
  for (size_t i = 0; i < sig.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = sig;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      const std::string bad_note = note.substr(0, sig_at) + Base64Encode(flipped) + "\n";
      Status s = OpenSignedCheckpoint(bad_note, verifier).status();
      if (i < 4) {
        ASSERT_EQ(s.code(), Code::kInvalidArgument) << i;
        ASSERT_NE(s.message().find("no signature by key"), std::string::npos);
      } else {
        ASSERT_EQ(s.code(), Code::kCorruption) << i << " " << bit;
        ASSERT_EQ(s.message(), "signature does not verify");
      }
    }
  }
  // Truncated or extended signatures by this key.
  for (size_t len : {size_t{5}, size_t{67}, size_t{69}}) {
    std::string resized = sig;
    resized.resize(len, 'x');
    const std::string bad_note = note.substr(0, sig_at) + Base64Encode(resized) + "\n";
    EXPECT_EQ(OpenSignedCheckpoint(bad_note, verifier).status().code(), Code::kCorruption) << len;
  }
}

TEST(SignedNoteTest, OtherKeysAndCosigners) {
  SigningKey key = Key("log");
  SigningKey impostor = Key("log");  // same name, different key
  const std::string body = CheckpointBody(Sample());
  const std::string by_impostor = SignNote(impostor, body);
  Status s = OpenSignedCheckpoint(by_impostor, VerifierOf(key)).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("no signature by key log+"), std::string::npos) << s.message();

  // The impostor relabels its signature with the real key ID.
  const size_t sig_at = by_impostor.rfind(' ') + 1;
  std::string sig = *Base64Decode(
      by_impostor.substr(sig_at, by_impostor.size() - sig_at - 1));
  const uint32_t id = VerifierOf(key).key_id;
  for (int i = 0; i < 4; ++i) sig[i] = static_cast<char>(id >> (24 - 8 * i));
  const std::string relabeled = by_impostor.substr(0, sig_at) + Base64Encode(sig) + "\n";
  s = OpenSignedCheckpoint(relabeled, VerifierOf(key)).status();
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_EQ(s.message(), "signature does not verify");

  // A verifier with the right key but another name finds nothing.
  Verifier renamed = VerifierOf(key);
  renamed.name = "other";
  EXPECT_EQ(OpenSignedCheckpoint(SignNote(key, body), renamed).status().code(),
            Code::kInvalidArgument);

  // Co-signed note: the witness line follows; either key opens it, and an
  // unknown signer's line is ignored.
  SigningKey witness = Key("witness.example");
  const std::string note = SignNote(key, body);
  const std::string witness_line = SignNote(witness, body).substr(body.size() + 1);
  const std::string cosigned = note + witness_line;
  EXPECT_TRUE(OpenSignedCheckpoint(cosigned, VerifierOf(key)).ok());
  EXPECT_TRUE(OpenSignedCheckpoint(cosigned, VerifierOf(witness)).ok());
  const std::string witness_first = body + "\n" + witness_line + note.substr(body.size() + 1);
  EXPECT_TRUE(OpenSignedCheckpoint(witness_first, VerifierOf(key)).ok());
}

TEST(SignedNoteTest, RejectsMalformedNotes) {
  SigningKey key = Key("log");
  const Verifier verifier = VerifierOf(key);
  const std::string body = CheckpointBody(Sample());
  const std::string note = SignNote(key, body);
  const std::string line = note.substr(body.size() + 1);  // "— log <b64>\n"
  const std::string b64 = line.substr(line.rfind(' ') + 1, line.size() - line.rfind(' ') - 2);

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {body, "no signatures"},
      {body + line, "no blank line"},
      {body + "\n", "blank line and nothing after"},
      {note.substr(0, note.size() - 1), "no final newline"},
      {body + "\n-- log " + b64 + "\n", "ASCII dashes"},
      {body + "\n" + kEmDash + "log " + b64 + "\n", "no space after dash"},
      {body + "\n" + kEmDash + " log" + b64 + "\n", "no space before signature"},
      {body + "\n" + kEmDash + " log \n", "empty signature"},
      {body + "\n" + kEmDash + " log " + b64.substr(1) + "\n", "bad base64"},
      {body + "\n" + kEmDash + " log " + b64 + " \n", "trailing space"},
      {body + "\n" + kEmDash + " log " + Base64Encode("abcd") + "\n", "4 bytes"},
      {body + "\n" + kEmDash + " l+g " + b64 + "\n", "bad key name"},
      {body + "\n" + line + "\n", "blank line after signatures"},
      {body + "\n" + line + line, "two signatures by this key"},
      {body + "\n" + line + "junk\n", "junk line"},
      {"ori\rgin" + note.substr(6), "control character"},
      {"ori\xffgin" + note.substr(6), "invalid UTF-8"},
  };
  for (const auto& [text, what] : cases) {
    Status s = OpenSignedCheckpoint(text, verifier).status();
    EXPECT_FALSE(s.ok()) << what;
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << what << ": " << s.ToString();
    EXPECT_EQ(s.field(), "note") << what;
  }
  // A signed body that is not a checkpoint: kInvalidArgument from the parser.
  const std::string not_checkpoint = SignNote(key, "origin\nnot a size\nroot\n");
  Status s = OpenSignedCheckpoint(not_checkpoint, verifier).status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "checkpoint");

  // At most 100 signature lines.
  SigningKey other = Key("other");
  const std::string other_line = SignNote(other, body).substr(body.size() + 1);
  std::string many = note;
  for (int i = 0; i < 99; ++i) many += other_line;
  EXPECT_TRUE(OpenSignedCheckpoint(many, verifier).ok());
  many += other_line;
  EXPECT_EQ(OpenSignedCheckpoint(many, verifier).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace dalil::ledger
