// What the node's parts (the services, the transfer protocol) share: the node's configuration,
// key, log, rules, transfer records, metrics, clock and test seams, and the two things every part
// does with the log. Thread-safe as the parts it points to.
#ifndef PBL_RPC_NODE_CONTEXT_H_
#define PBL_RPC_NODE_CONTEXT_H_

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "crypto/ed25519.h"
#include "ledger/domain/entitlement.h"
#include "ledger/domain/rules.h"
#include "ledger/log/ledger.h"
#include "pbl/v1/entry.pb.h"
#include "rpc/config.h"
#include "rpc/seams.h"
#include "rpc/transfer_store.h"

namespace pbl::rpc {

class Metrics;

// What the node's parts share. Pointers are owned by the node and outlive every user.
struct NodeContext {
  const NodeConfig* config = nullptr;
  const crypto::SigningKey* key = nullptr;
  ledger::Ledger* ledger = nullptr;
  const ledger::RuleSet* rules = nullptr;
  TransferStore* transfers = nullptr;
  Metrics* metrics = nullptr;  // may be null
  std::function<int64_t()> now_ms;
  const NodeSeams* seams = nullptr;  // test seams (rpc/seams.h); null or empty in pbld
};

// Appends one entry (the node sets its time) and returns its index and the checkpoint.
absl::StatusOr<ledger::AppendResult> AppendEntry(const NodeContext& node, v1::Entry entry);

// The person's entries in one scheme (or all, for an empty scheme id) as a History of log 0.
absl::StatusOr<ledger::History> ReadHistory(const NodeContext& node, std::string_view person_id,
                                            std::string_view scheme_id);

}  // namespace pbl::rpc

#endif  // PBL_RPC_NODE_CONTEXT_H_
