// libFuzzer target for PASETO v4.public tokens in crypto/paseto.h: PasetoV4PublicVerify on
// untrusted text, and PasetoV4PublicSign followed by PasetoV4PublicVerify.
//
// Besides "never crash", it checks properties that a verifier facing untrusted tokens must keep:
//  - Verify fails only with its documented codes, and refuses as INVALID_ARGUMENT anything over
//    kPasetoTokenBytesMax or without the "v4.public." header;
//  - a token that verifies is exactly the token Sign makes from the returned message and the
//    expected footer: each (message, footer) has one spelling, so no padding, alphabet variant,
//    trailing bit or empty footer segment can slip through;
//  - signing arbitrary bytes (as message and footer) gives a token that verifies back to them.
// The key is the one of the official test vectors (paseto-standard/test-vectors, v4.json 4-S-*),
// so that their tokens are valid seeds; the fuzzer knows its seed and can therefore re-sign.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/paseto.h"
#include "tests/fuzz/fuzz_check.h"

namespace pbl::crypto {
namespace {

constexpr std::string_view kVectorSeedHex =
    "b4cbfb43df4ce210727d953e4a713307fa19bb7d9f85041438d9e11b942a3774";
constexpr std::string_view kVectorFooter =
    R"({"kid":"zVhMiPBP9fRf2snEcT7gFTioeA9COcNy9DfgL1W60haN"})";

// The footer and implicit assertion a verifier expects; one per official 4-S-* vector.
struct Context {
  std::string_view footer;
  std::string_view implicit_assertion;
};

constexpr Context kContexts[] = {
    {.footer = "", .implicit_assertion = ""},
    {.footer = kVectorFooter, .implicit_assertion = ""},
    {.footer = kVectorFooter, .implicit_assertion = R"({"test-vector":"4-S-3"})"},
};

const SigningKey& GetKey() {
  static const SigningKey* key = [] {
    InitCrypto();
    absl::StatusOr<std::string> seed = HexDecode(kVectorSeedHex);
    PBL_FUZZ_CHECK(seed.ok(), "HexDecode of the vectors' seed");
    absl::StatusOr<SigningKey> k = SigningKey::FromSeed(AsBytes(*seed));
    PBL_FUZZ_CHECK(k.ok(), "SigningKey::FromSeed of the vectors' seed");
    return new SigningKey(*std::move(k));
  }();
  return *key;
}

void CheckVerify(std::string_view token, const Context& context) {
  const SigningKey& key = GetKey();
  const absl::StatusOr<std::string> message =
      PasetoV4PublicVerify(key.public_key(), token, context.footer, context.implicit_assertion);
  if (!message.ok()) {
    const absl::StatusCode code = message.status().code();
    PBL_FUZZ_CHECK(
        code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kUnauthenticated,
        "Verify fails only with INVALID_ARGUMENT or UNAUTHENTICATED");
    const bool malformed =
        token.size() > kPasetoTokenBytesMax || !token.starts_with(kPasetoV4PublicHeader);
    PBL_FUZZ_CHECK(!malformed || code == absl::StatusCode::kInvalidArgument,
                   "an oversized or wrongly headed token is INVALID_ARGUMENT");
    return;
  }
  PBL_FUZZ_CHECK(token.size() <= kPasetoTokenBytesMax, "Verify accepts only tokens within limit");
  const std::string resigned =
      PasetoV4PublicSign(key, *message, context.footer, context.implicit_assertion);
  PBL_FUZZ_CHECK(resigned == token, "a verified token is what Sign makes of its message");
}

// Treats the input as both message and footer: what Sign makes, Verify must give back.
void CheckSignAndVerify(std::string_view input) {
  const SigningKey& key = GetKey();
  const std::string token = PasetoV4PublicSign(key, input, input, "implicit");
  const absl::StatusOr<std::string> message =
      PasetoV4PublicVerify(key.public_key(), token, input, "implicit");
  if (token.size() > kPasetoTokenBytesMax) {
    PBL_FUZZ_CHECK(!message.ok() && message.status().code() == absl::StatusCode::kInvalidArgument,
                   "Verify refuses a signed token over the limit as INVALID_ARGUMENT");
    return;
  }
  PBL_FUZZ_CHECK(message.ok(), "Verify accepts what Sign made");
  PBL_FUZZ_CHECK(*message == input, "Verify returns the message that was signed");
}

}  // namespace
}  // namespace pbl::crypto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const pbl::crypto::Context& context : pbl::crypto::kContexts) {
    pbl::crypto::CheckVerify(input, context);
  }
  pbl::crypto::CheckSignAndVerify(input);
  return 0;
}
