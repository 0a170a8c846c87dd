// The domain checks of an entry's body: each kind in the schemes that take it, real months and
// dates, amounts within bounds. Pure; thread-safe.
#ifndef PBL_LEDGER_DOMAIN_ENTRY_BODY_VALIDATION_H_
#define PBL_LEDGER_DOMAIN_ENTRY_BODY_VALIDATION_H_

#include <cstdint>

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

// INVALID_ARGUMENT naming the field unless `entry`'s body is well formed for `scheme`.
absl::Status ValidateEntryBody(const v1::Entry& entry, const SchemeId& scheme);

absl::Status ValidateTransferId(std::string_view transfer_id);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_ENTRY_BODY_VALIDATION_H_
