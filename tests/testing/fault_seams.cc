#include "tests/testing/fault_seams.h"

#include <filesystem>
#include <memory>
#include <string>

#include "crypto/base/strings.h"
#include "rpc/log.h"
#include "tests/testing/faulty_peer_channel.h"
#include "tests/testing/faulty_storage.h"

namespace pbl::testing {

namespace {

// The log's storage, failing its next fsync once the test creates the trigger file (removed
// then, so that one fsync fails): what the ledger's fail-stop must survive (specs/ledger.md).
class TriggeredStorage final : public FaultyStorage {
 public:
  TriggeredStorage(std::string trigger, std::unique_ptr<ledger::Storage> base)
      : FaultyStorage(std::move(base)), trigger_(std::move(trigger)) {}

  absl::Status Sync() override {
    std::error_code ec;
    if (std::filesystem::remove(trigger_, ec)) {
      rpc::LogWarning("storage_sync_failed_by_plan", StrCat("trigger=", trigger_));
      FailNextSync(absl::DataLossError("fault plan: fsync failed"));
    }
    return FaultyStorage::Sync();
  }

 private:
  const std::string trigger_;
};

}  // namespace

rpc::NodeSeams FaultSeams(const FaultPlanSpec& plan) {
  rpc::NodeSeams seams;
  seams.wrap_peer_channel = [plan](const std::string& peer_id,
                                   std::unique_ptr<rpc::PeerChannel> channel) {
    FaultPlanSpec peer_plan = plan;
    peer_plan.seed ^= std::hash<std::string>()(peer_id);  // one stream per peer, still replayable
    return MakeFaultyPeerChannel(std::move(channel), peer_plan);
  };
  if (!plan.tamper_package.empty()) {
    seams.send_package =
        [how = plan.tamper_package](
            v1::TransferPackage package,
            const std::function<v1::SignedMessage(const v1::TransferPackage&)>& sign)
        -> absl::StatusOr<v1::SignedMessage> {
      if (how == "withhold") {
        rpc::LogWarning("transfer_package_withheld",
                        StrCat("transfer=", package.terms().transfer_id()));
        return absl::UnavailableError("fault plan: the source withholds its package");
      }
      return TamperPackage(how, std::move(package), sign);
    };
  }
  if (plan.storage_faults) {
    seams.wrap_storage =
        [](const std::string& path,
           std::unique_ptr<ledger::Storage> storage) -> std::unique_ptr<ledger::Storage> {
      return std::make_unique<TriggeredStorage>(path + std::string(kFailNextSyncSuffix),
                                                std::move(storage));
    };
  }
  return seams;
}

v1::SignedMessage TamperPackage(
    std::string_view how, v1::TransferPackage package,
    const std::function<v1::SignedMessage(const v1::TransferPackage&)>& sign) {
  rpc::LogWarning("transfer_package_tampered",
                  StrCat("transfer=", package.terms().transfer_id(), " how=", how));
  if (how == "proof" && package.entries_size() > 0 &&
      package.entries(0).inclusion_proof_size() > 0) {
    package.mutable_entries(0)->mutable_inclusion_proof(0)->at(0) ^= 1;
  } else if (how == "drop-entry" && package.entries_size() > 1) {
    package.mutable_entries()->erase(package.mutable_entries()->begin() +
                                     package.entries_size() / 2);
  }
  v1::SignedMessage signed_package = sign(package);
  if (how == "signature") signed_package.mutable_signature()->at(0) ^= 1;
  return signed_package;
}

}  // namespace pbl::testing
