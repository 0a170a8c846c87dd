// The ledger's end-to-end benchmark (the ledger issue's performance requirement): appends N
// contribution entries (tests/testing/entries.h, 146 bytes on average) through the ledger API and,
// in the same run, writes the same bytes to a raw RocksDB (one column family, default-like table
// options, no compression) with the same sync setting; then reopens the ledger, measures inclusion
// proofs, person histories and Verify, and reports the peak RSS and the disk use. Not a gtest and
// not timed in CI: one program, one run, a readable table and one machine-readable JSON line (the
// last line of the output).
//
//   ledger_bench [--entries N] [--group G] [--people P] [--queries Q] [--threads 1,2]
//                [--in-flight K] [--dir DIR] [--keep] [--raw-full] [--no-raw] [--no-sync]
//                [--drop-caches]
//
// Entry i is ContributionEntry(i % people, i / people), so each person's history holds about
// N / people entries. Entries are generated from their index one round of groups at a time, so
// memory stays flat at any N and every writer receives the same bytes; only the writes are timed
// (the clock stops while the next round is generated).
//
// Phases, in order:
//   raw        a raw rocksdb::DB (one column family, 64 MiB write buffers, no compression): each
//              group is one WriteBatch of 8-byte big-endian index keys and the entries, synced;
//   raw-full   (--raw-full) the same, but with every key the ledger writes for a group (entry
//              bundles, person index rows, one hash blob of the right size, a checkpoint-sized
//              value), so that the ledger's storage cost and its CPU cost can be told apart;
//   ledger     Ledger::Append of each group from threads[0] threads;
//   open       the ledger closed and reopened, twice (the first replays RocksDB's WAL), and with
//              --drop-caches (root only) once more after Verify, with a cold page cache;
//   queries    InclusionProof(random index, size) and PersonEntries(random person, UEBPI);
//   verify     Ledger::Verify;
//   ledger-Nt  Ledger::Append again into a fresh ledger from each further thread count;
//   ledger-1t-async  (--in-flight K, default 4; 0 or 1 skips it) one thread that keeps K batches in
//              flight through Ledger::AppendAsync, into a fresh ledger;
//   raw-after  the raw baseline again. A synced write's cost depends on what else uses the disk,
//              so the ledger's rates are compared with the mean of the raw rates measured before
//              and after them, and a warning is printed when those two differ by more than 25%.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "crypto/base/strings.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"
#include "crypto/merkle.h"
#include "ledger/log/ledger.h"
#include "ledger/log/log_format.h"
#include "ledger/log/storage.h"
#include "tests/testing/entries.h"

namespace pbl::ledger {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kOrigin = "bench.example/node/310000";
constexpr std::string_view kScheme = "UEBPI-310000";
constexpr uint64_t kQuerySeed = 20250101;
// Groups generated before the clock starts again: about 16 MB of entries at the default group.
constexpr int64_t kRoundGroups = 64;
// Queries whose answers are also checked (outside the timing), to catch a benchmark that
// measures wrong answers.
constexpr int64_t kCheckedQueries = 200;

struct Flags {
  int64_t entries = 1'000'000;
  int64_t group = 1'000;
  int64_t people = 100'000;
  int64_t queries = 10'000;
  std::vector<int> threads = {1, 2};
  int64_t in_flight = 4;  // for the ledger-1t-async phase; 0 or 1: no such phase
  std::string dir;
  bool keep = false;
  bool raw_full = false;
  bool raw = true;
  bool sync = true;
  bool drop_caches = false;
  bool v2 = false;  // --format v2: the ledger seals every entry (specs/log-format-v2.md)
  // The index of the first appended entry: a v2 log's entry 0 is its parameters.
  int64_t first_index() const { return v2 ? 1 : 0; }
};

constexpr std::string_view kUsage =
    "usage: ledger_bench [--entries N] [--group G] [--people P] [--queries Q] [--threads 1,2]\n"
    "                    [--in-flight K] [--dir DIR] [--keep] [--raw-full] [--no-raw]\n"
    "                    [--no-sync] [--drop-caches] [--format v1|v2]\n";

std::optional<int64_t> ParseCount(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != '_' && c != ',') digits.push_back(c);
  }
  char* end = nullptr;
  const long long value = std::strtoll(digits.c_str(), &end, 10);
  if (digits.empty() || *end != '\0' || value <= 0) return std::nullopt;
  return static_cast<int64_t>(value);
}

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      has_value = true;
    }
    const auto next_value = [&]() -> absl::StatusOr<std::string> {
      if (has_value) return value;
      if (i + 1 >= argc) return absl::InvalidArgumentError(StrCat(arg, " needs a value"));
      return std::string(argv[++i]);
    };
    const auto count = [&](int64_t* out) -> absl::Status {
      absl::StatusOr<std::string> text = next_value();
      if (!text.ok()) return text.status();
      const std::optional<int64_t> n = ParseCount(*text);
      if (!n) return absl::InvalidArgumentError(StrCat(arg, " needs a positive count"));
      *out = *n;
      return absl::OkStatus();
    };
    absl::Status s;
    if (arg == "--entries") {
      s = count(&flags.entries);
    } else if (arg == "--group") {
      s = count(&flags.group);
    } else if (arg == "--people") {
      s = count(&flags.people);
    } else if (arg == "--queries") {
      s = count(&flags.queries);
    } else if (arg == "--threads") {
      absl::StatusOr<std::string> text = next_value();
      if (!text.ok()) return text.status();
      flags.threads.clear();
      size_t start = 0;
      while (start <= text->size()) {
        const size_t comma = std::min(text->find(',', start), text->size());
        const std::optional<int64_t> n = ParseCount(text->substr(start, comma - start));
        if (!n || *n > 64) return absl::InvalidArgumentError("--threads needs counts like 1,2");
        flags.threads.push_back(static_cast<int>(*n));
        start = comma + 1;
      }
    } else if (arg == "--in-flight") {
      s = count(&flags.in_flight);
      if (s.ok() && flags.in_flight > 64)
        s = absl::InvalidArgumentError("--in-flight is at most 64");
    } else if (arg == "--dir") {
      absl::StatusOr<std::string> text = next_value();
      if (!text.ok()) return text.status();
      flags.dir = *text;
    } else if (arg == "--keep" && !has_value) {
      flags.keep = true;
    } else if (arg == "--raw-full" && !has_value) {
      flags.raw_full = true;
    } else if (arg == "--no-raw" && !has_value) {
      flags.raw = false;
    } else if (arg == "--no-sync" && !has_value) {
      flags.sync = false;
    } else if (arg == "--drop-caches" && !has_value) {
      flags.drop_caches = true;
    } else if (arg == "--format") {
      absl::StatusOr<std::string> text = next_value();
      if (!text.ok()) return text.status();
      if (*text != "v1" && *text != "v2") return absl::InvalidArgumentError("--format v1 or v2");
      flags.v2 = *text == "v2";
    } else if (arg == "--help" || arg == "-h") {
      return absl::InvalidArgumentError("ledger_bench: the ledger's end-to-end benchmark");
    } else {
      return absl::InvalidArgumentError(StrCat("unknown flag ", argv[i]));
    }
    if (!s.ok()) return s;
  }
  if (flags.group > static_cast<int64_t>(kBatchEntriesMax)) {
    return absl::InvalidArgumentError(
        StrCat("--group must be at most ", kBatchEntriesMax, " (the ledger's batch limit)"));
  }
  if (flags.people > 13'440'000) {
    return absl::InvalidArgumentError("--people must be at most 13,440,000 (PersonId's range)");
  }
  return flags;
}

// Entry `index` of the benchmark's log.
std::string EntryAt(const Flags& flags, int64_t index) {
  return testing::ContributionEntry(index % flags.people, index / flags.people,
                                    std::string(kScheme));
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }
double Rate(int64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

int64_t PeakRssKib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// User and system CPU time of the whole process (every thread, RocksDB's included).
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The one-minute load average: other work on the machine skews every figure.
double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1;
}

int64_t DiskBytes(const fs::path& dir) {
  int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) total += static_cast<int64_t>(it->file_size(ec));
  }
  return total;
}

// Writes dirty pages and drops the kernel's page cache, so that the next open reads the disk.
bool DropPageCache() {
  std::fflush(stdout);
  if (std::system("sync") != 0) return false;
  std::ofstream out("/proc/sys/vm/drop_caches");
  out << "3\n";
  out.flush();
  return static_cast<bool>(out);
}

struct Latency {
  int64_t count = 0;
  double mean_us = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

// Nearest-rank percentiles.
Latency Summarize(std::vector<double> us) {
  Latency l;
  if (us.empty()) return l;
  std::sort(us.begin(), us.end());
  const auto rank = [&](double q) {
    const auto r = static_cast<size_t>(std::ceil(q * static_cast<double>(us.size())));
    return us[std::clamp<size_t>(r, 1, us.size()) - 1];
  };
  double sum = 0;
  for (double u : us) sum += u;
  l.count = static_cast<int64_t>(us.size());
  l.mean_us = sum / static_cast<double>(us.size());
  l.p50_us = rank(0.50);
  l.p90_us = rank(0.90);
  l.p99_us = rank(0.99);
  l.max_us = us.back();
  return l;
}

// One group's entries, and (for raw-full) the person index keys the ledger would write for them.
struct Batch {
  int64_t first = 0;
  std::vector<std::string> entries;
  std::vector<std::string> person_keys;
};

struct WriteResult {
  std::string name;
  int threads = 1;
  double seconds = 0;      // spent writing; generation excluded
  double gen_seconds = 0;  // spent generating entries (not timed)
  double cpu_seconds = 0;  // process CPU time while writing, all threads
  int64_t entries = 0;
  int64_t bytes = 0;
  int64_t groups = 0;  // synced writes (for the ledger: distinct checkpoints)
  Latency call;        // one Append or one raw write, as its caller sees it
  int64_t disk_bytes = 0;
  double rate() const { return Rate(entries, seconds); }
};

// Starts writing one batch; the future gives the tree size that covers it (its checkpoint's
// size) once the batch is written.
using WriteFn = std::function<std::future<absl::StatusOr<int64_t>>(Batch batch)>;

std::future<absl::StatusOr<int64_t>> Written(absl::StatusOr<int64_t> covered) {
  std::promise<absl::StatusOr<int64_t>> done;
  done.set_value(std::move(covered));
  return done.get_future();
}

// Generates the log one round of groups at a time and writes every group through `write` from
// `threads` threads, each keeping up to `in_flight` writes started, timing only the writes.
absl::StatusOr<WriteResult> RunWrites(const Flags& flags, std::string name, int threads,
                                      int64_t in_flight, bool person_keys, const WriteFn& write) {
  WriteResult result;
  result.name = std::move(name);
  result.threads = threads;
  const int64_t batches = (flags.entries + flags.group - 1) / flags.group;
  std::vector<double> call_us(static_cast<size_t>(batches));
  std::vector<int64_t> covered_by(static_cast<size_t>(batches));
  std::mutex error_mu;
  absl::Status error;
  for (int64_t round_start = 0; round_start < batches; round_start += kRoundGroups) {
    const int64_t round_end = std::min(batches, round_start + kRoundGroups);
    const Clock::time_point gen_start = Clock::now();
    std::vector<Batch> round(static_cast<size_t>(round_end - round_start));
    for (int64_t b = round_start; b < round_end; ++b) {
      Batch& batch = round[static_cast<size_t>(b - round_start)];
      batch.first = b * flags.group;
      const int64_t end = std::min(flags.entries, batch.first + flags.group);
      batch.entries.reserve(static_cast<size_t>(end - batch.first));
      for (int64_t i = batch.first; i < end; ++i) {
        batch.entries.push_back(EntryAt(flags, i));
        result.bytes += static_cast<int64_t>(batch.entries.back().size());
        if (person_keys) {
          batch.person_keys.push_back(
              PersonIndexKey(testing::PersonId(i % flags.people), kScheme, i));
        }
      }
    }
    result.gen_seconds += Seconds(Clock::now() - gen_start);

    std::atomic<int64_t> next{round_start};
    const auto worker = [&] {
      struct Started {
        int64_t batch;
        Clock::time_point start;
        std::future<absl::StatusOr<int64_t>> covered;
      };
      std::deque<Started> started;
      // Waits for the oldest write; false (and the error kept) if it failed.
      const auto finish_oldest = [&] {
        Started& s = started.front();
        absl::StatusOr<int64_t> covered = s.covered.get();
        call_us[static_cast<size_t>(s.batch)] = Micros(Clock::now() - s.start);
        if (covered.ok()) covered_by[static_cast<size_t>(s.batch)] = *covered;
        started.pop_front();
        if (covered.ok()) return true;
        std::lock_guard lock(error_mu);
        if (error.ok()) error = covered.status();
        next = round_end;
        return false;
      };
      for (int64_t b = next++; b < round_end; b = next++) {
        Batch& batch = round[static_cast<size_t>(b - round_start)];
        const Clock::time_point start = Clock::now();
        started.push_back(Started{b, start, write(std::move(batch))});
        if (static_cast<int64_t>(started.size()) >= in_flight && !finish_oldest()) break;
      }
      while (!started.empty()) finish_oldest();
    };
    const double cpu_start = ProcessCpuSeconds();
    const Clock::time_point start = Clock::now();
    if (threads == 1) {
      worker();
    } else {
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
      for (std::thread& t : pool) t.join();
    }
    result.seconds += Seconds(Clock::now() - start);
    result.cpu_seconds += ProcessCpuSeconds() - cpu_start;
    if (!error.ok()) return error;
  }
  result.entries = flags.entries;
  result.groups =
      static_cast<int64_t>(std::set<int64_t>(covered_by.begin(), covered_by.end()).size());
  result.call = Summarize(std::move(call_us));
  return result;
}

// Opens the raw baseline: a plain RocksDB, one column family, 64 MiB write buffers, no
// compression, 16 KiB blocks and no filters (the ledger has 4 KiB blocks and bloom filters for
// its reads).
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenRawDb(const fs::path& path) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.paranoid_checks = true;
  db_options.IncreaseParallelism(2);
  db_options.write_buffer_size = size_t{64} << 20;
  db_options.max_write_buffer_number = 3;
  db_options.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 * 1024;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(db_options, path.string(), &db);
  if (!s.ok()) return absl::UnavailableError(StrCat("open ", path.string(), ": ", s.ToString()));
  return std::unique_ptr<rocksdb::DB>(db);
}

rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

// The raw baseline. With `full`, each group also carries the ledger's other keys: a person index
// row per entry, one hash blob of the group's stored-hash count and a checkpoint-sized value.
absl::StatusOr<WriteResult> RunRaw(const Flags& flags, const fs::path& path, bool full) {
  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db = OpenRawDb(path);
  if (!db.ok()) return db.status();
  const std::string checkpoint_value(150, 'c');
  rocksdb::WriteOptions options;
  options.sync = flags.sync;
  // As RocksStorage does: no per-operation perf counters in the writing thread (one thread, so
  // RunWrites writes from this one).
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  absl::StatusOr<WriteResult> result = RunWrites(
      flags, full ? "raw-full" : "raw", 1, 1, full,
      [&](Batch batch) -> std::future<absl::StatusOr<int64_t>> {
        rocksdb::WriteBatch wb;
        const int64_t end = batch.first + static_cast<int64_t>(batch.entries.size());
        // Entry bundles cut as the ledger cuts them (specs/ledger.md).
        BundleWriter bundles(batch.first, [&](std::string_view key, std::string_view bundle) {
          wb.Put(ToSlice(key), ToSlice(bundle));
        });
        for (size_t i = 0; i < batch.entries.size(); ++i) {
          const int64_t index = batch.first + static_cast<int64_t>(i);
          if (full) {
            bundles.Add(batch.entries[i]);
            wb.Put(ToSlice(batch.person_keys[i]), rocksdb::Slice());
          } else {
            char key[8];
            for (int b = 0; b < 8; ++b) {
              key[b] = static_cast<char>(static_cast<uint64_t>(index) >> (56 - 8 * b));
            }
            wb.Put(rocksdb::Slice(key, sizeof(key)), ToSlice(batch.entries[i]));
          }
        }
        if (full) {
          bundles.Finish();
          const int64_t first_stored = crypto::StoredHashCount(batch.first);
          const std::string blob(
              static_cast<size_t>(crypto::StoredHashCount(end) - first_stored) * crypto::kHashBytes,
              'h');
          wb.Put(ToSlice(HashBlobKey(first_stored)), ToSlice(blob));
          wb.Put(ToSlice(CheckpointKey(end)), ToSlice(checkpoint_value));
        }
        const rocksdb::Status s = (*db)->Write(options, &wb);
        if (!s.ok()) return Written(absl::UnavailableError(StrCat("raw write: ", s.ToString())));
        return Written(end);
      });
  if (!result.ok()) return result.status();
  const rocksdb::Status s = (*db)->Close();
  if (!s.ok()) return absl::UnavailableError(StrCat("raw close: ", s.ToString()));
  db->reset();
  result->disk_bytes = DiskBytes(path);
  return result;
}

// The master key of every v2 run: the bench measures, it protects nothing.
const NodeSecrets& BenchSecrets() {
  static const NodeSecrets secrets(
      crypto::SecretKey::FromBytes(std::vector<uint8_t>(crypto::kSecretKeyBytes, 0x42)).value());
  return secrets;
}

LedgerOptions BenchLedgerOptions(const Flags& flags, const crypto::SigningKey& key) {
  return LedgerOptions{.origin = std::string(kOrigin),
                       .key = &key,
                       .on_group = nullptr,
                       .on_stop = nullptr,
                       .secrets = flags.v2 ? &BenchSecrets() : nullptr};
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenLedger(const Flags& flags, const fs::path& path,
                                                   const crypto::SigningKey& key) {
  RocksStorageOptions options;
  options.sync = flags.sync;
  absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(path.string(), options);
  if (!storage.ok()) return storage.status();
  return Ledger::Open(std::move(*storage), BenchLedgerOptions(flags, key));
}

// Each thread keeps `in_flight` batches in flight through AppendAsync (1: each waited for, as
// Append does).
absl::StatusOr<WriteResult> RunLedgerAppends(const Flags& flags, const fs::path& path,
                                             const crypto::SigningKey& key, int threads,
                                             int64_t in_flight = 1) {
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = OpenLedger(flags, path, key);
  if (!ledger.ok()) return ledger.status();
  const auto check = [&](int64_t first, absl::StatusOr<AppendResult> appended) {
    if (!appended.ok()) return absl::StatusOr<int64_t>(appended.status());
    if (appended->first_index != first + flags.first_index() && threads == 1) {
      return absl::StatusOr<int64_t>(
          absl::InternalError(StrCat("batch ", first, " was appended at ", appended->first_index)));
    }
    return absl::StatusOr<int64_t>(appended->tree_size);
  };
  absl::StatusOr<WriteResult> result = RunWrites(
      flags, StrCat("ledger-", threads, "t", in_flight > 1 ? "-async" : ""), threads, in_flight,
      false, [&](Batch batch) -> std::future<absl::StatusOr<int64_t>> {
        return std::async(std::launch::deferred,
                          [check, first = batch.first,
                           appended = (*ledger)->AppendAsync(std::move(batch.entries))]() mutable {
                            return check(first, appended.get());
                          });
      });
  if (!result.ok()) return result.status();
  if ((*ledger)->Head().size != flags.entries + flags.first_index()) {
    return absl::InternalError(StrCat("the ledger holds ", (*ledger)->Head().size, " entries"));
  }
  ledger->reset();
  result->disk_bytes = DiskBytes(path);
  return result;
}

struct OpenResult {
  double storage_ms = 0;  // OpenRocksStorage
  double ledger_ms = 0;   // Ledger::Open
  double total_ms() const { return storage_ms + ledger_ms; }
};

absl::StatusOr<std::unique_ptr<Ledger>> TimedOpen(const Flags& flags, const fs::path& path,
                                                  const crypto::SigningKey& key,
                                                  OpenResult* timing) {
  RocksStorageOptions options;
  options.sync = flags.sync;
  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::unique_ptr<Storage>> storage = OpenRocksStorage(path.string(), options);
  const Clock::time_point opened = Clock::now();
  if (!storage.ok()) return storage.status();
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(std::move(*storage), BenchLedgerOptions(flags, key));
  const Clock::time_point done = Clock::now();
  timing->storage_ms = Seconds(opened - start) * 1e3;
  timing->ledger_ms = Seconds(done - opened) * 1e3;
  return ledger;
}

// The proof of `index`, checked against the head's root.
absl::Status CheckProof(const Ledger& ledger, const LogHead& head, int64_t index,
                        const crypto::Proof& proof) {
  absl::StatusOr<std::string> entry = ledger.GetEntry(index);
  if (!entry.ok()) return entry.status();
  return crypto::VerifyInclusion(index, head.size, crypto::LeafHash(crypto::AsBytes(*entry)), proof,
                                 head.root);
}

absl::StatusOr<Latency> RunProofQueries(const Flags& flags, const Ledger& ledger) {
  const LogHead head = ledger.Head();
  std::mt19937_64 random(kQuerySeed);
  std::uniform_int_distribution<int64_t> pick(0, head.size - 1);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(flags.queries));
  for (int64_t q = 0; q < flags.queries; ++q) {
    const int64_t index = pick(random);
    const Clock::time_point start = Clock::now();
    absl::StatusOr<crypto::Proof> proof = ledger.InclusionProof(index, head.size);
    us.push_back(Micros(Clock::now() - start));
    if (!proof.ok()) return proof.status();
    if (q < kCheckedQueries) {
      if (absl::Status s = CheckProof(ledger, head, index, *proof); !s.ok()) {
        return absl::InternalError(
            StrCat("the proof of entry ", index, " does not verify: ", ToStd(s.message())));
      }
    }
  }
  return Summarize(std::move(us));
}

// With one appender thread entry i is at index i; with more, batches land in any order, and only
// the count and the order of a history are checked.
absl::StatusOr<Latency> RunPersonQueries(const Flags& flags, const Ledger& ledger,
                                         bool entries_in_order, double* mean_entries) {
  std::mt19937_64 random(kQuerySeed + 1);
  const int64_t people = std::min(flags.people, flags.entries);
  std::uniform_int_distribution<int64_t> pick(0, people - 1);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(flags.queries));
  int64_t total = 0;
  for (int64_t q = 0; q < flags.queries; ++q) {
    const int64_t person = pick(random);
    const std::string person_id = testing::PersonId(person);
    const Clock::time_point start = Clock::now();
    absl::StatusOr<std::vector<IndexedEntry>> history = ledger.PersonEntries(person_id, kScheme);
    us.push_back(Micros(Clock::now() - start));
    if (!history.ok()) return history.status();
    total += static_cast<int64_t>(history->size());
    if (q < kCheckedQueries) {
      // Entries person, person + people, ... are this person's, in log order.
      const int64_t expected = (flags.entries - person + flags.people - 1) / flags.people;
      bool ok = static_cast<int64_t>(history->size()) == expected;
      for (size_t i = 0; ok && i < history->size(); ++i) {
        const IndexedEntry& e = (*history)[i];
        if (entries_in_order) {
          const int64_t index = person + static_cast<int64_t>(i) * flags.people;
          ok = e.index == index + flags.first_index() && e.bytes == EntryAt(flags, index);
        } else {
          ok = (i == 0 || e.index > (*history)[i - 1].index) && !e.bytes.empty();
        }
      }
      if (!ok) {
        return absl::InternalError(StrCat("the history of person ", person, " is wrong (",
                                          history->size(), " entries, ", expected, " expected)"));
      }
    }
  }
  *mean_entries = static_cast<double>(total) / static_cast<double>(flags.queries);
  return Summarize(std::move(us));
}

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

// Groups thousands with commas: 1234567 -> "1,234,567".
std::string Thousands(double value) {
  const std::string digits = Fixed(std::round(std::fabs(value)), 0);
  std::string out = value < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Mib(int64_t bytes) {
  return Fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 1) + " MiB";
}

std::string LatencyText(const Latency& l) {
  return StrCat("p50 ", Fixed(l.p50_us, 1), " us, p90 ", Fixed(l.p90_us, 1), " us, p99 ",
                Fixed(l.p99_us, 1), " us, max ", Fixed(l.max_us, 1), " us (", l.count, " calls)");
}

void Row(std::string_view what, const std::string& value) {
  std::printf("  %-34.*s %s\n", static_cast<int>(what.size()), what.data(), value.c_str());
  std::fflush(stdout);
}

// Collects "key":value pairs for the JSON line.
class Json {
 public:
  void Number(std::string_view key, double value) { Add(key, Fixed(value, 3)); }
  void Integer(std::string_view key, int64_t value) { Add(key, StrCat(value)); }
  void Text(std::string_view key, std::string_view value) {
    std::string quoted = "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      quoted.push_back(c);
    }
    Add(key, quoted + "\"");
  }
  void Latencies(std::string_view key, const Latency& l) {
    Number(StrCat(key, "_p50_us"), l.p50_us);
    Number(StrCat(key, "_p90_us"), l.p90_us);
    Number(StrCat(key, "_p99_us"), l.p99_us);
    Number(StrCat(key, "_max_us"), l.max_us);
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Add(std::string_view key, const std::string& value) {
    if (!body_.empty()) body_ += ",";
    StrAppend(&body_, "\"", key, "\":", value);
  }
  std::string body_;
};

// A phase's name as a JSON key prefix: "ledger-1t" -> "ledger_1t".
std::string JsonName(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

void ReportWrite(const WriteResult& w, double raw_rate, Json* json) {
  Row(StrCat(w.name, " append"),
      StrCat(Thousands(w.rate()), " entries/s (", Fixed(w.seconds, 2), " s writing, ",
             Fixed(w.gen_seconds, 2), " s generating, untimed)"));
  Row(StrCat(w.name, " groups"),
      StrCat(w.groups, " synced writes, ",
             Fixed(static_cast<double>(w.entries) / static_cast<double>(w.groups), 0),
             " entries each"));
  Row(StrCat(w.name, " call latency"), LatencyText(w.call));
  const double cpu_us = w.cpu_seconds * 1e6 / static_cast<double>(w.entries);
  Row(StrCat(w.name, " CPU"), StrCat(Fixed(cpu_us, 2), " us/entry, all threads (",
                                     Fixed(w.cpu_seconds / w.seconds, 2), " cores busy)"));
  if (raw_rate > 0 && w.name != "raw") {
    Row(StrCat(w.name, " / raw"), Fixed(100 * w.rate() / raw_rate, 1) + " %");
  }
  Row(StrCat(w.name, " disk"),
      StrCat(Mib(w.disk_bytes), " (",
             Fixed(static_cast<double>(w.disk_bytes) / static_cast<double>(w.entries), 0),
             " B/entry)"));
  const std::string key = JsonName(w.name);
  json->Number(StrCat(key, "_entries_per_s"), w.rate());
  json->Number(StrCat(key, "_write_s"), w.seconds);
  json->Integer(StrCat(key, "_groups"), w.groups);
  json->Number(StrCat(key, "_cpu_us_per_entry"), cpu_us);
  json->Latencies(StrCat(key, "_call"), w.call);
  json->Integer(StrCat(key, "_disk_bytes"), w.disk_bytes);
  if (raw_rate > 0 && w.name != "raw") json->Number(StrCat(key, "_over_raw"), w.rate() / raw_rate);
}

absl::Status Run(const Flags& flags) {
  crypto::InitCrypto();
  const Clock::time_point run_start = Clock::now();
  fs::path dir;
  if (flags.dir.empty()) {
    std::string templ = (fs::temp_directory_path() / "ledger_bench.XXXXXX").string();
    if (mkdtemp(templ.data()) == nullptr) return absl::UnavailableError("mkdtemp failed");
    dir = templ;
  } else {
    dir = flags.dir;
    std::error_code ec;
    if (fs::exists(dir) && !fs::is_empty(dir, ec)) {
      return absl::FailedPreconditionError(StrCat(dir.string(), " is not empty"));
    }
    fs::create_directories(dir, ec);
    if (ec) return absl::UnavailableError(StrCat("cannot create ", dir.string()));
  }
  const crypto::SigningKey key = crypto::SigningKey::Generate();
  Json json;
  json.Text("bench", "ledger_bench");
  json.Integer("entries", flags.entries);
  json.Integer("group", flags.group);
  json.Integer("people", flags.people);
  json.Text("sync", flags.sync ? "on" : "off");
  json.Text("format", flags.v2 ? "v2" : "v1");
  json.Integer("cores", std::thread::hardware_concurrency());
  json.Number("load_start", LoadAverage());

  std::printf(
      "ledger_bench: %s entries in groups of %s, %s people, sync %s, format %s, %u cores "
      "(load %.2f), in %s\n",
      Thousands(static_cast<double>(flags.entries)).c_str(),
      Thousands(static_cast<double>(flags.group)).c_str(),
      Thousands(static_cast<double>(flags.people)).c_str(), flags.sync ? "on" : "off",
      flags.v2 ? "v2" : "v1", std::thread::hardware_concurrency(), LoadAverage(),
      dir.string().c_str());
  std::fflush(stdout);

  // (1, 2) The raw baselines (skipped with --no-raw, which is only for profiling the ledger).
  double raw_rate = 0;
  if (flags.raw) {
    absl::StatusOr<WriteResult> raw = RunRaw(flags, dir / "raw", false);
    if (!raw.ok()) return raw.status();
    const double mean_bytes = static_cast<double>(raw->bytes) / static_cast<double>(raw->entries);
    Row("mean entry size", StrCat(Fixed(mean_bytes, 1), " B (", Mib(raw->bytes), " in all)"));
    json.Number("mean_entry_bytes", mean_bytes);
    ReportWrite(*raw, 0, &json);
    raw_rate = raw->rate();
    if (!flags.keep) fs::remove_all(dir / "raw");
  }
  // Every rate to compare with the mean raw rate at the end.
  std::vector<WriteResult> compared;
  if (flags.raw && flags.raw_full) {
    absl::StatusOr<WriteResult> full = RunRaw(flags, dir / "raw-full", true);
    if (!full.ok()) return full.status();
    ReportWrite(*full, raw_rate, &json);
    compared.push_back(*full);
    if (!flags.keep) fs::remove_all(dir / "raw-full");
  }

  // (3) The ledger, from the first thread count.
  const fs::path ledger_dir = dir / StrCat("ledger-", flags.threads[0], "t");
  absl::StatusOr<WriteResult> appended = RunLedgerAppends(flags, ledger_dir, key, flags.threads[0]);
  if (!appended.ok()) return appended.status();
  ReportWrite(*appended, raw_rate, &json);
  compared.push_back(*appended);
  Row("peak RSS after appends", Mib(PeakRssKib() * 1024));

  // (4) Reopen: the first open replays the WAL left by the appends, the second finds none.
  OpenResult first_open;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = TimedOpen(flags, ledger_dir, key, &first_open);
  if (!ledger.ok()) return ledger.status();
  ledger->reset();
  OpenResult second_open;
  ledger = TimedOpen(flags, ledger_dir, key, &second_open);
  if (!ledger.ok()) return ledger.status();
  Row("open after appends (WAL replay)",
      StrCat(Fixed(first_open.total_ms(), 1), " ms (RocksDB ", Fixed(first_open.storage_ms, 1),
             " ms + Ledger::Open ", Fixed(first_open.ledger_ms, 1), " ms)"));
  Row("open again",
      StrCat(Fixed(second_open.total_ms(), 1), " ms (RocksDB ", Fixed(second_open.storage_ms, 1),
             " ms + Ledger::Open ", Fixed(second_open.ledger_ms, 1), " ms)"));
  json.Number("open_wal_replay_ms", first_open.total_ms());
  json.Number("open_ms", second_open.total_ms());
  json.Number("open_ledger_part_ms", second_open.ledger_ms);
  // (5) Queries on the reopened ledger.
  absl::StatusOr<Latency> proofs = RunProofQueries(flags, **ledger);
  if (!proofs.ok()) return proofs.status();
  Row("InclusionProof(random, size)", LatencyText(*proofs));
  json.Latencies("inclusion_proof", *proofs);
  double history_entries = 0;
  absl::StatusOr<Latency> histories =
      RunPersonQueries(flags, **ledger, flags.threads[0] == 1, &history_entries);
  if (!histories.ok()) return histories.status();
  Row("PersonEntries(random, UEBPI)", LatencyText(*histories));
  Row("  entries per history", Fixed(history_entries, 1));
  json.Latencies("person_entries", *histories);
  json.Number("person_entries_mean_count", history_entries);

  // (6) Verify.
  const Clock::time_point verify_start = Clock::now();
  const absl::Status verified = (*ledger)->Verify();
  const double verify_s = Seconds(Clock::now() - verify_start);
  if (!verified.ok()) return verified;
  Row("Verify()",
      StrCat(Thousands(Rate(flags.entries, verify_s)), " entries/s (", Fixed(verify_s, 2), " s)"));
  json.Number("verify_s", verify_s);
  json.Number("verify_entries_per_s", Rate(flags.entries, verify_s));
  ledger->reset();
  // (4, again) With --drop-caches: reopen with nothing in the kernel's page cache.
  if (flags.drop_caches) {
    if (!DropPageCache()) return absl::UnavailableError("cannot drop the page cache (not root?)");
    OpenResult cold_open;
    ledger = TimedOpen(flags, ledger_dir, key, &cold_open);
    if (!ledger.ok()) return ledger.status();
    ledger->reset();
    Row("open, cold page cache",
        StrCat(Fixed(cold_open.total_ms(), 1), " ms (RocksDB ", Fixed(cold_open.storage_ms, 1),
               " ms + Ledger::Open ", Fixed(cold_open.ledger_ms, 1), " ms)"));
    json.Number("open_cold_ms", cold_open.total_ms());
  }
  if (!flags.keep) fs::remove_all(ledger_dir);

  // (3, again) The ledger from each further thread count, each into a fresh log.
  for (size_t t = 1; t < flags.threads.size(); ++t) {
    const fs::path more_dir = dir / StrCat("ledger-", flags.threads[t], "t");
    absl::StatusOr<WriteResult> more = RunLedgerAppends(flags, more_dir, key, flags.threads[t]);
    if (!more.ok()) return more.status();
    ReportWrite(*more, raw_rate, &json);
    compared.push_back(*more);
    if (!flags.keep) fs::remove_all(more_dir);
  }

  // (3, async) One thread keeping several appends in flight.
  if (flags.in_flight > 1) {
    const fs::path async_dir = dir / "ledger-1t-async";
    absl::StatusOr<WriteResult> async_run =
        RunLedgerAppends(flags, async_dir, key, 1, flags.in_flight);
    if (!async_run.ok()) return async_run.status();
    ReportWrite(*async_run, raw_rate, &json);
    compared.push_back(*async_run);
    if (!flags.keep) fs::remove_all(async_dir);
  }

  // (2, again) The raw baseline after the ledger, and the ratios against the mean of both.
  if (flags.raw) {
    absl::StatusOr<WriteResult> after = RunRaw(flags, dir / "raw-after", false);
    if (!after.ok()) return after.status();
    after->name = "raw-after";
    ReportWrite(*after, raw_rate, &json);
    if (!flags.keep) fs::remove_all(dir / "raw-after");
    const double mean_rate = (raw_rate + after->rate()) / 2;
    json.Number("raw_mean_entries_per_s", mean_rate);
    Row("raw, mean of before and after", StrCat(Thousands(mean_rate), " entries/s"));
    if (std::fabs(after->rate() - raw_rate) > 0.25 * mean_rate) {
      Row("WARNING", "the raw rate changed by more than 25% during the run (other disk users?)");
    }
    for (const WriteResult& w : compared) {
      Row(StrCat(w.name, " / mean raw"), Fixed(100 * w.rate() / mean_rate, 1) + " %");
      json.Number(StrCat(JsonName(w.name), "_over_raw_mean"), w.rate() / mean_rate);
    }
  }

  // (7) The whole run.
  const int64_t peak = PeakRssKib() * 1024;
  const double run_s = Seconds(Clock::now() - run_start);
  Row("peak RSS (whole run)", Mib(peak));
  Row("run time",
      StrCat(Fixed(run_s, 1), " s (load average at the end ", Fixed(LoadAverage(), 2), ")"));
  json.Integer("peak_rss_bytes", peak);
  json.Number("run_s", run_s);
  json.Number("load_end", LoadAverage());
  if (flags.keep) {
    Row("kept", dir.string());
  } else if (flags.dir.empty()) {
    fs::remove_all(dir);
  }
  std::printf("%s\n", json.str().c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace pbl::ledger

int main(int argc, char** argv) {
  absl::StatusOr<pbl::ledger::Flags> flags = pbl::ledger::ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "%s\n%s", std::string(pbl::ToStd(flags.status().message())).c_str(),
                 pbl::ledger::kUsage.data());
    return 2;
  }
  const absl::Status s = pbl::ledger::Run(*flags);
  if (!s.ok()) {
    std::fprintf(stderr, "ledger_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
