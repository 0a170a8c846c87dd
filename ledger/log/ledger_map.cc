// The ledger's person map in a v2 log (specs/log-format-v2.md, section 5): loading it at open,
// the mapper thread that folds durable leaves into it, and the waits on it.
#include <algorithm>
#include <chrono>

#include "crypto/base/status_macros.h"
#include "crypto/base/strings.h"
#include "ledger/log/ledger.h"

namespace pbl::ledger {

absl::Status Ledger::LoadMap() {
  PBL_ASSIGN_OR_RETURN(mapper_, Mapper::Load(*storage_));
  const int64_t size = HeadSize();
  if (mapper_->head().size > size) {
    return absl::DataLossError(StrCat("the map head row (n) covers ", mapper_->head().size,
                                      " leaves but the log has ", size));
  }
  // Leaves made durable before a crash and not folded: the map is a function of the leaves.
  while (mapper_->head().size < size) {
    PBL_RETURN_IF_ERROR(FoldMap(std::min(size, mapper_->head().size + kMapBatchMax)));
  }
  std::lock_guard lock(map_mu_);
  map_durable_ = size;
  return absl::OkStatus();
}

absl::Status Ledger::FoldMap(int64_t end) {
  return mapper_->Fold(end, *storage_, [this](int64_t start, int64_t stop, const auto& fn) {
    return ScanEntries(start, stop, fn);
  });
}

void Ledger::MapperLoop() {
  const auto interval = std::chrono::milliseconds(options_.map_interval_ms);
  while (true) {
    int64_t end = 0;
    {
      std::unique_lock lock(map_mu_);
      const auto behind = [&] { return map_durable_ - mapper_->head().size; };
      map_cv_.wait(lock, [&] { return map_stopping_ || behind() > 0; });
      if (map_stopping_) return;
      // New leaves: let more come for up to the interval, so that a batch folds many, unless a
      // caller waits for the map or appends will soon wait for it.
      map_cv_.wait_for(lock, interval, [&] {
        return map_stopping_ || map_wanted_ > mapper_->head().size ||
               behind() > options_.map_lag_max / 2;
      });
      if (map_stopping_) return;
      end = std::min(map_durable_, mapper_->head().size + kMapBatchMax);
    }
    absl::Status folded = FoldMap(end);
    if (!folded.ok()) {
      Stop(folded);
      std::lock_guard lock(map_mu_);
      map_failed_ = folded;
    }
    map_cv_.notify_all();
    if (!folded.ok()) return;
  }
}

bool Ledger::WaitForMapper(int64_t size) {
  if (!sealed()) return true;
  std::unique_lock lock(map_mu_);
  map_cv_.wait(lock, [&] {
    return !map_failed_.ok() || map_stopping_ ||
           size - mapper_->head().size <= options_.map_lag_max;
  });
  return map_failed_.ok();
}

absl::Status Ledger::WaitForMap(int64_t size) {
  if (!sealed()) return absl::FailedPreconditionError("a v1 log has no person map");
  if (size > HeadSize()) {
    return absl::OutOfRangeError(StrCat("size ", size, " is past the log's size"));
  }
  std::unique_lock lock(map_mu_);
  map_wanted_ = std::max(map_wanted_, size);
  map_cv_.notify_all();
  map_cv_.wait(lock,
               [&] { return !map_failed_.ok() || map_stopping_ || mapper_->head().size >= size; });
  if (!map_failed_.ok()) {
    return absl::UnavailableError(StrCat("the person map stopped: ", ToStd(map_failed_.message())));
  }
  if (mapper_->head().size < size) return absl::UnavailableError("the ledger is shutting down");
  return absl::OkStatus();
}

}  // namespace pbl::ledger
