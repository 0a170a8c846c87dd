// Planning a transfer (what the rules move, credit and refund) and verifying a recorded one.
// Pure; thread-safe. The destination always computes the plan itself from the source's entries.
#ifndef PBL_LEDGER_DOMAIN_TRANSFER_PLAN_H_
#define PBL_LEDGER_DOMAIN_TRANSFER_PLAN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/domain/calendar.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/rules.h"
#include "ledger/domain/scheme.h"
#include "pbl/v1/entry.pb.h"

namespace pbl::ledger {

struct TransferRequest {
  SchemeId source;
  SchemeId destination;
  Date date;                         // the rules are applied as of this date
  bool officially_approved = false;  // Guobanfa [2009] No. 66 art. 5(3)
  // When the request itself is in the history (a transfer_requested/initiated entry), its id, so
  // that it is not refused as "a transfer already pending".
  std::string transfer_id;
};

// Supported moves: UEBPI -> UEBPI (another region), URRBPI -> URRBPI, UEBPI <-> URRBPI (bridging,
// at retirement age), UEBMI -> UEBMI, URRBMI -> URRBMI, HPF -> HPF.
//
// Returns the figures (months credited and not converted, overlapping months, individual account
// moved, pooled money moved, refund, temporary-account decision, waiting months), each with its
// rule id. FAILED_PRECONDITION with the reason when the rules refuse the move: not yet at
// retirement age for bridging, the wrong direction for the person's employee months, already
// drawing a benefit, a transfer already pending, nothing to transfer, an unsupported pair of
// schemes. INVALID_ARGUMENT for a bad history (see ComputeEntitlement).
absl::StatusOr<v1::TransferFigures> PlanTransfer(const RuleSet& rules, std::string_view person_id,
                                                 const History& history,
                                                 const TransferRequest& request);

// A problem the verifier found in a recorded transfer.
struct TransferFinding {
  std::string check;    // short stable name, e.g. "months-not-conserved"
  std::string message;  // what is wrong, with the numbers
};

// Checks a recorded transfer: `history` is the person's entries before the transfer (both
// schemes), `out` what the source recorded in transfer_out and `in` what the destination
// recorded in transfer_in. Checks that both equal the plan the rules give, that months before =
// months credited + months not converted, that the individual account out equals in, that no
// month is counted twice at the destination, and that the refund is exactly what the overlap
// rule gives. Returns the findings (empty: the transfer lost nothing); an error only when the
// plan itself cannot be made.
absl::StatusOr<std::vector<TransferFinding>> VerifyTransfer(
    const RuleSet& rules, std::string_view person_id, const History& history,
    const TransferRequest& request, const v1::TransferFigures& out, const v1::TransferFigures& in);

}  // namespace pbl::ledger

#endif  // PBL_LEDGER_DOMAIN_TRANSFER_PLAN_H_
