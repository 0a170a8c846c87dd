// The domain checks of an entry's body: each kind in the schemes that take it, real months and
// dates, amounts within bounds. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_ENTRY_BODY_VALIDATION_H_
#define PBL_LEDGER_DOMAIN_ENTRY_BODY_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ledger/domain/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

// No single amount in an entry may exceed 100 million yuan (in fen), so sums over a lifetime
// of entries stay far inside int64.
inline constexpr int64_t kAmountFenMax = 10'000'000'000;
// Transfer ids: 1-64 characters of [A-Za-z0-9._-].
inline constexpr size_t kTransferIdBytesMax = 64;
inline constexpr size_t kReasonBytesMax = 512;
inline constexpr int kMonthRangesMax = 600;

// A field of an entry's body that is not well formed.
struct FieldError {
  // Its path in pbl.v1.Entry: "monthly_contribution.base_fen", "transfer_in.figures.
  // months_credited"; the body's name ("monthly_contribution") for the body as a whole, "body"
  // when none is set.
  std::string field;
  // What people see; it names the field (a transfer id or scheme id by its own name).
  std::string message;
};

// The first field of `entry`'s body that is not well formed for `scheme`; nullopt when the body
// is well formed.
std::optional<FieldError> CheckEntryBody(const v1::Entry& entry, const SchemeId& scheme);

// INVALID_ARGUMENT with CheckEntryBody's message unless `entry`'s body is well formed for
// `scheme`.
absl::Status ValidateEntryBody(const v1::Entry& entry, const SchemeId& scheme);

absl::Status ValidateTransferId(std::string_view transfer_id);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_ENTRY_BODY_VALIDATION_H_
