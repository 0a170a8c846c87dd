#include "rpc/worker_token.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "crypto/paseto.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/person_id.h"

namespace pbl::rpc {

namespace {

constexpr std::string_view kScope = "worker:read";
constexpr std::string_view kRevocationPrefix = "W";

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + doe - 719'468;
}

absl::Status Unauthenticated(std::string_view why) {
  return absl::UnauthenticatedError(StrCat("worker token ", why));
}

}  // namespace

std::string FormatRfc3339(int64_t unix_ms) {
  const ledger::Date date = ledger::DateFromUnixMs(unix_ms);
  const int64_t seconds = unix_ms / 1000 - (unix_ms % 1000 < 0 ? 1 : 0);
  const int64_t of_day = ((seconds % 86'400) + 86'400) % 86'400;
  char out[32];
  std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02dZ", static_cast<int>(date.year),
                static_cast<int>(date.month), static_cast<int>(date.day),
                static_cast<int>(of_day / 3600), static_cast<int>(of_day / 60 % 60),
                static_cast<int>(of_day % 60));
  return out;
}

absl::StatusOr<int64_t> ParseRfc3339(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[19] != 'Z' || text[13] != ':' ||
      text[16] != ':') {
    return absl::InvalidArgumentError(StrCat("\"", Utf8Prefix(text, 32), "\" is not RFC 3339 UTC"));
  }
  PBL_ASSIGN_OR_RETURN(const ledger::Date date, ledger::ParseDate(text.substr(0, 10), "time"));
  int values[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const std::string_view two = text.substr(11 + 3 * static_cast<size_t>(i), 2);
    if (two[0] < '0' || two[0] > '9' || two[1] < '0' || two[1] > '9') {
      return absl::InvalidArgumentError("time of day is not HH:MM:SS");
    }
    values[i] = (two[0] - '0') * 10 + (two[1] - '0');
  }
  if (values[0] > 23 || values[1] > 59 || values[2] > 59) {
    return absl::InvalidArgumentError("time of day is out of range");
  }
  const int64_t days = DaysFromCivil(date.year, date.month, date.day);
  return (days * 86'400 + values[0] * 3600 + values[1] * 60 + values[2]) * 1000;
}

absl::StatusOr<std::unique_ptr<TokenRevocations>> TokenRevocations::Load(ledger::Storage* storage) {
  std::unique_ptr<TokenRevocations> out(new TokenRevocations(storage));
  absl::Status bad = absl::OkStatus();
  PBL_RETURN_IF_ERROR(storage->Scan("W", "X", [&](std::string_view key, std::string_view value) {
    int64_t ms = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), ms);
    if (error != std::errc() || end != value.data() + value.size()) {
      bad = absl::InternalError(
          StrCat("token revocation of ", key.substr(1, 6), "... does not parse"));
      return false;
    }
    out->revoked_before_[std::string(key.substr(kRevocationPrefix.size()))] = ms;
    return true;
  }));
  PBL_RETURN_IF_ERROR(bad);
  return out;
}

absl::StatusOr<int64_t> TokenRevocations::Revoke(std::string_view person_id, int64_t now_ms) {
  PBL_RETURN_IF_ERROR(ledger::ValidatePersonId(person_id));
  const int64_t before = (now_ms / 1000 + 1) * 1000;
  std::lock_guard lock(mu_);
  std::unique_ptr<ledger::StorageBatch> batch = storage_->NewBatch();
  batch->Put(StrCat(kRevocationPrefix, person_id), StrCat(before));
  PBL_RETURN_IF_ERROR(storage_->Commit(*batch));
  int64_t& stored = revoked_before_[std::string(person_id)];
  stored = std::max(stored, before);
  return stored;
}

int64_t TokenRevocations::RevokedBefore(std::string_view person_id) const {
  std::lock_guard lock(mu_);
  const auto it = revoked_before_.find(person_id);
  return it == revoked_before_.end() ? 0 : it->second;
}

WorkerTokens::WorkerTokens(const crypto::SigningKey* key, std::string node_id, std::string origin,
                           int64_t lifetime_max_ms, const TokenRevocations* revocations)
    : key_(key),
      node_id_(std::move(node_id)),
      implicit_assertion_(StrCat("pbl.v1 worker token for ", origin)),
      lifetime_max_ms_(lifetime_max_ms),
      revocations_(revocations) {}

absl::StatusOr<std::string> WorkerTokens::Issue(std::string_view person_id, int64_t now_ms,
                                                int64_t ttl_ms) const {
  PBL_RETURN_IF_ERROR(ledger::ValidatePersonId(person_id));
  if (ttl_ms <= 0 || ttl_ms > lifetime_max_ms_) {
    return absl::InvalidArgumentError(
        StrCat("ttl must be positive and at most ", lifetime_max_ms_ / 1000, " s"));
  }
  // After a revocation in this same second, the token starts at the next one, so that it is not
  // void from birth.
  const int64_t issued =
      std::max(now_ms, revocations_ == nullptr ? 0 : revocations_->RevokedBefore(person_id));
  const nlohmann::json claims = {{"iss", node_id_},
                                 {"sub", std::string(person_id)},
                                 {"iat", FormatRfc3339(issued)},
                                 {"exp", FormatRfc3339(now_ms + ttl_ms)},
                                 {"scope", std::string(kScope)}};
  return crypto::PasetoV4PublicSign(*key_, claims.dump(), "", implicit_assertion_);
}

absl::StatusOr<std::string> WorkerTokens::Verify(std::string_view token, int64_t now_ms) const {
  absl::StatusOr<std::string> message =
      crypto::PasetoV4PublicVerify(key_->public_key(), token, "", implicit_assertion_);
  if (!message.ok()) return Unauthenticated(ToStd(message.status().message()));
  const nlohmann::json claims = nlohmann::json::parse(*message, nullptr, false);
  if (!claims.is_object() || !claims.contains("sub") || !claims["sub"].is_string() ||
      !claims.contains("exp") || !claims["exp"].is_string() || !claims.contains("iat") ||
      !claims["iat"].is_string() || claims.value("iss", "") != node_id_ ||
      claims.value("scope", "") != kScope) {
    return Unauthenticated("has malformed claims");
  }
  const absl::StatusOr<int64_t> expires = ParseRfc3339(claims["exp"].get<std::string>());
  if (!expires.ok()) return Unauthenticated("has a malformed expiry");
  if (now_ms >= *expires) return Unauthenticated("has expired");
  const absl::StatusOr<int64_t> issued = ParseRfc3339(claims["iat"].get<std::string>());
  if (!issued.ok()) return Unauthenticated("has a malformed issue time");
  if (*issued > now_ms + kClockSkewMs) return Unauthenticated("was issued in the future");
  if (*expires - *issued > lifetime_max_ms_) {
    return Unauthenticated(StrCat("lives longer than this node allows (", lifetime_max_ms_ / 1000,
                                  " s, worker_token_max_seconds)"));
  }
  std::string person = claims["sub"].get<std::string>();
  if (!ledger::ValidatePersonId(person).ok()) return Unauthenticated("names no valid person");
  if (revocations_ != nullptr && *issued < revocations_->RevokedBefore(person)) {
    return Unauthenticated("was revoked: the node's administrator voided this person's tokens");
  }
  return person;
}

}  // namespace pbl::rpc
