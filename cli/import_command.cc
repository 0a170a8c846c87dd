// `pbl import` and `pbl enroll`: an administrator's contributions, premiums and enrolments, from
// a CSV file (or, for one enrolment, flags), checked in full before anything is appended, then
// appended in batches with several calls in flight.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/command_registry.h"
#include "cli/connection.h"
#include "cli/csv_import.h"
#include "cli/exit_codes.h"
#include "crypto/base/strings.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace pbl::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uintmax_t kImportFileBytesMax = uintmax_t{1} << 30;
constexpr int32_t kBatchRowsDefault = 1'000;
constexpr int32_t kBatchRowsMax = 10'000;  // ledger::kBatchEntriesMax, the node's own limit
constexpr int32_t kStreamsDefault = 4;
constexpr int32_t kStreamsMax = 16;
// The node's batch ids are at most 128 bytes; "/" and a row range take the rest.
constexpr size_t kBatchIdPrefixMax = 96;
constexpr auto kProgressIntervalTty = std::chrono::milliseconds(100);
constexpr auto kProgressIntervalLog = std::chrono::seconds(1);
constexpr int kProgressBarWidth = 24;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// Flags.

struct AppendFlags {
  ConnectionFlags connection;
  bool json = false;
  bool progress = false;
  int64_t skip_rows = 0;
  int32_t batch_rows = kBatchRowsDefault;
  int32_t streams = kStreamsDefault;
  std::string batch_id;  // the prefix of the batches' ids; empty: from the input's digest
};

struct ImportFlags {
  std::string file;
  AppendFlags append;
};

struct EnrollFlags {
  std::string csv;
  std::string person_id;
  std::string scheme_id;
  std::string date;
  std::string hukou_region;
  std::string category;
  AppendFlags append;
};

void AddAppendOptions(CLI::App* cmd, AppendFlags* f) {
  cmd->add_flag("--json", f->json, "Print the summary as one JSON object");
  cmd->add_flag("--progress", f->progress,
                "Show progress on stderr even when stderr is not a terminal");
  cmd->add_option("--skip-rows", f->skip_rows,
                  "Resume an import that stopped: skip the first N data rows (every row is "
                  "still checked)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-rows", f->batch_rows,
                  "Entries per AppendEntries call (default 1000; at most the node's "
                  "max_batch_entries)")
      ->check(CLI::Range(1, kBatchRowsMax));
  cmd->add_option("--streams", f->streams, "Batches in flight at once (default 4)")
      ->check(CLI::Range(1, kStreamsMax));
  cmd->add_option("--batch-id", f->batch_id,
                  "Prefix of the id each batch carries (default: the command and the SHA-256 of "
                  "the input). The node appends a batch id once: running the same command again, "
                  "after any failure, appends only the batches not yet in the log")
      ->check([](const std::string& id) -> std::string {
        if (id.empty() || id.size() > kBatchIdPrefixMax) return "1 to 96 characters";
        for (char c : id) {
          if (c < 0x21 || c > 0x7e) return "printable ASCII without spaces";
        }
        return "";
      });
  AddConnectionOptions(cmd, &f->connection);
}

absl::StatusOr<std::string> ReadCsvFile(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(StrCat("cannot read ", path, ": ", ec.message()));
  if (size > kImportFileBytesMax) {
    return absl::InvalidArgumentError(
        StrCat(path, " is larger than ", kImportFileBytesMax, " bytes; split it"));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) return absl::NotFoundError(StrCat("cannot read ", path));
  return text;
}

// Prints each problem as FILE:LINE: field: message, then how many there were.
int ReportProblems(std::ostream& err, std::string_view what, const std::string& file,
                   const ProblemList& problems) {
  for (const RowProblem& p : problems.shown()) {
    err << file << ":" << p.line << ": " << p.field << ": " << p.message << "\n";
  }
  err << "pbl: " << what << ": " << file << ": " << problems.count()
      << (problems.count() == 1 ? " problem" : " problems");
  if (problems.count() > static_cast<int64_t>(problems.shown().size())) {
    err << " (the first " << problems.shown().size() << " shown)";
  }
  err << "; nothing was appended\n";
  return kExitBadInput;
}

// ---------------------------------------------------------------------------------------------
// Progress.

// A progress line on stderr, redrawn in place on a terminal (at most 10 times a second), or a
// line a second in a log. Drawn by its own thread; `done` is counted by the senders.
class ProgressBar {
 public:
  ProgressBar(std::ostream& err, std::string what, int64_t total, bool tty)
      : err_(err), what_(std::move(what)), total_(total), tty_(tty) {}
  ~ProgressBar() { Stop(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Start() {
    start_ = Clock::now();
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
    Draw();
    if (tty_) err_ << "\n";
    err_.flush();
  }
  std::atomic<int64_t>& done() { return done_; }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    const auto interval = tty_ ? Clock::duration(kProgressIntervalTty) : kProgressIntervalLog;
    while (!cv_.wait_for(lock, interval, [this] { return stopping_; })) Draw();
  }

  void Draw() {
    const int64_t done = done_.load();
    const double seconds = SecondsSince(start_);
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    const int filled =
        total_ > 0 ? static_cast<int>(done * kProgressBarWidth / std::max<int64_t>(total_, 1)) : 0;
    const int64_t eta =
        rate > 0 ? static_cast<int64_t>(static_cast<double>(total_ - done) / rate) : 0;
    char line[160];
    std::snprintf(line, sizeof(line),
                  "%s [%-*s] %lld/%lld rows %3lld%%  %.0f rows/s  ETA %lld:%02lld", what_.c_str(),
                  kProgressBarWidth, std::string(static_cast<size_t>(filled), '#').c_str(),
                  static_cast<long long>(done), static_cast<long long>(total_),
                  static_cast<long long>(total_ > 0 ? done * 100 / total_ : 100), rate,
                  static_cast<long long>(eta / 60), static_cast<long long>(eta % 60));
    err_ << (tty_ ? "\r" : "") << line << (tty_ ? "  " : "\n");
    err_.flush();
  }

  std::ostream& err_;
  const std::string what_;
  const int64_t total_;
  const bool tty_;
  Clock::time_point start_;
  std::atomic<int64_t> done_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Appending.

// What one command appends: rows [skip_rows, rows) of a checked input, each built into an entry.
struct AppendJob {
  std::string what;  // the command, for messages
  std::string file;  // empty for an enrolment given by flags
  int64_t rows = 0;
  Clock::time_point start;  // when the command started
  double check_seconds = 0;
  std::function<void(int64_t row, v1::Entry* entry)> build;  // thread-safe
  std::function<int64_t(int64_t row)> line;                  // the row's line in the file
  std::function<const std::string&(int64_t row)> scheme;     // the row's scheme id
  std::function<std::string(int64_t row)> person;            // the row's person id
  std::string batch_id;  // the prefix of each batch's id: PREFIX/FIRST_ROW-LAST_ROW
};

// `what`/ and the SHA-256 of the input, unless the flags give the prefix.
std::string BatchIdPrefix(const AppendFlags& f, std::string_view what, std::string_view input) {
  if (!f.batch_id.empty()) return f.batch_id;
  const crypto::Hash digest = crypto::Sha256(input);
  return StrCat(what, "/", crypto::HexEncode(digest));
}

struct BatchResult {
  bool acknowledged = false;
  bool replayed = false;  // already in the log: acknowledged, nothing appended
  uint64_t first_index = 0;
  uint64_t tree_size = 0;
  absl::Status status;  // the failed call's; OK when acknowledged or never sent
};

// The rows [first, end) of batch `b`.
std::pair<int64_t, int64_t> BatchRows(const AppendJob& job, const AppendFlags& f, int64_t b) {
  const int64_t first = f.skip_rows + b * f.batch_rows;
  return {first, std::min<int64_t>(first + f.batch_rows, job.rows)};
}

int64_t BatchCount(const AppendJob& job, const AppendFlags& f) {
  return (job.rows - f.skip_rows + f.batch_rows - 1) / f.batch_rows;
}

// Sends every batch, rows in file order within each, up to `clients.size()` calls in flight.
// After the first failure no new batch is sent; those in flight finish.
std::vector<BatchResult> SendBatches(const AppendJob& job, const AppendFlags& f,
                                     const std::vector<std::unique_ptr<rpc::NodeClient>>& clients,
                                     std::atomic<int64_t>* rows_done) {
  const int64_t batches = BatchCount(job, f);
  std::vector<BatchResult> results(static_cast<size_t>(batches));
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  const auto stream = [&](rpc::NodeClient* client) {
    v1::AppendEntriesRequest request;
    for (int64_t b = next++; b < batches && !stop; b = next++) {
      const auto [first, end] = BatchRows(job, f, b);
      request.Clear();  // keeps the entries' memory for the next batch
      for (int64_t row = first; row < end; ++row) job.build(row, request.add_entries());
      request.set_batch_id(StrCat(job.batch_id, "/", first + 1, "-", end));
      absl::StatusOr<v1::AppendEntriesResponse> response = client->AppendEntries(request);
      if (response.ok() && response->count() != static_cast<uint64_t>(end - first)) {
        response = absl::InternalError(StrCat("the node acknowledged ", response->count(),
                                              " entries of a batch of ", end - first));
      }
      BatchResult& result = results[static_cast<size_t>(b)];
      if (!response.ok()) {
        result.status = response.status();
        stop = true;
        return;
      }
      result.acknowledged = true;
      result.replayed = response->replayed();
      result.first_index = response->first_index();
      result.tree_size = response->tree_size();
      *rows_done += end - first;
    }
  };
  std::vector<std::thread> threads;
  const size_t streams = std::min<size_t>(clients.size(), static_cast<size_t>(batches));
  for (size_t s = 0; s < streams; ++s) threads.emplace_back(stream, clients[s].get());
  for (std::thread& t : threads) t.join();
  return results;
}

// The node's checkpoint size now; the largest acknowledged tree size if it cannot be read.
int64_t CheckpointSize(rpc::NodeClient& client, const std::vector<BatchResult>& results,
                       std::ostream& err, std::string_view what) {
  uint64_t largest = 0;
  for (const BatchResult& r : results) largest = std::max(largest, r.tree_size);
  absl::StatusOr<std::string> note = client.GetCheckpoint();
  absl::StatusOr<crypto::Note> parsed =
      note.ok() ? crypto::ParseNote(*note) : absl::StatusOr<crypto::Note>(note.status());
  absl::StatusOr<crypto::Checkpoint> checkpoint =
      parsed.ok() ? crypto::ParseCheckpoint(parsed->text)
                  : absl::StatusOr<crypto::Checkpoint>(parsed.status());
  if (!checkpoint.ok()) {
    err << "pbl: " << what << ": cannot read the node's checkpoint ("
        << checkpoint.status().message() << "); the size shown is the last batch's tree size\n";
    return static_cast<int64_t>(largest);
  }
  return checkpoint->size;
}

struct Summary {
  int64_t rows_appended = 0;
  int64_t rows_replayed = 0;  // sent again and found in the log (appended by an earlier run)
  int64_t batches = 0;
  std::optional<uint64_t> first_index;
  std::optional<uint64_t> last_index;
};

Summary Summarize(const AppendJob& job, const AppendFlags& f,
                  const std::vector<BatchResult>& results) {
  Summary s;
  for (size_t b = 0; b < results.size(); ++b) {
    if (!results[b].acknowledged) continue;
    const auto [first, end] = BatchRows(job, f, static_cast<int64_t>(b));
    const uint64_t last = results[b].first_index + static_cast<uint64_t>(end - first) - 1;
    if (results[b].replayed) {
      s.rows_replayed += end - first;
    } else {
      s.rows_appended += end - first;
    }
    ++s.batches;
    s.first_index =
        std::min(s.first_index.value_or(results[b].first_index), results[b].first_index);
    s.last_index = std::max(s.last_index.value_or(last), last);
  }
  return s;
}

nlohmann::json OptionalIndex(const std::optional<uint64_t>& index) {
  return index ? nlohmann::json(*index) : nlohmann::json(nullptr);
}

int PrintSummary(const AppendJob& job, const AppendFlags& f, const Summary& s,
                 int64_t checkpoint_size, std::ostream& out) {
  const double elapsed = SecondsSince(job.start);
  const double rate = elapsed > 0 ? static_cast<double>(s.rows_appended) / elapsed : 0;
  if (f.json) {
    nlohmann::json j = {{"rows_total", job.rows},
                        {"rows_skipped", f.skip_rows},
                        {"rows_appended", s.rows_appended},
                        {"rows_already_in_log", s.rows_replayed},
                        {"batches", s.batches},
                        {"first_index", OptionalIndex(s.first_index)},
                        {"last_index", OptionalIndex(s.last_index)},
                        {"elapsed_seconds", elapsed},
                        {"check_seconds", job.check_seconds},
                        {"rows_per_second", rate},
                        {"checkpoint_size", checkpoint_size}};
    if (!job.file.empty()) j["file"] = job.file;
    out << j.dump() << "\n";
    return kExitOk;
  }
  if (job.file.empty() && s.first_index) {
    out << (s.rows_replayed > 0 ? "already enrolled at log index " : "enrolled at log index ")
        << *s.first_index << "; checkpoint size " << checkpoint_size << "\n";
    return kExitOk;
  }
  char times[96];
  std::snprintf(times, sizeof(times), "%.2f s (checked in %.2f s)\nrate:            %.0f rows/s",
                elapsed, job.check_seconds, rate);
  out << "rows appended:   " << s.rows_appended << " of " << job.rows << " (" << f.skip_rows
      << " skipped)\n";
  if (s.rows_replayed > 0) {
    out << "already in log:  " << s.rows_replayed
        << " rows (appended by an earlier run; not appended again)\n";
  }
  out << "batches:         " << s.batches << "\n"
      << "log index:       ";
  if (s.first_index) {
    out << *s.first_index << " - " << *s.last_index << "\n";
  } else {
    out << "none\n";
  }
  out << "elapsed:         " << times << "\n"
      << "checkpoint size: " << checkpoint_size << "\n";
  return kExitOk;
}

// A call that failed this way may have been carried out before the answer was lost.
bool OutcomeUnknown(const absl::Status& status, bool any_acknowledged) {
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
      return true;
    case absl::StatusCode::kUnavailable:
      return any_acknowledged;  // a node never reached cannot have appended anything
    default:
      return false;
  }
}

std::string RowRange(const AppendJob& job, int64_t first, int64_t end) {
  if (job.file.empty()) return "the enrolment";
  return StrCat("rows ", first + 1, "-", end, " (", job.file, " lines ", job.line(first), "-",
                job.line(end - 1), ")");
}

// The rows of a job before the first batch that was not acknowledged: what --skip-rows resumes
// after.
int64_t ResumePoint(const AppendJob& job, const AppendFlags& f,
                    const std::vector<BatchResult>& results) {
  int64_t done = f.skip_rows;
  for (size_t b = 0; b < results.size() && results[b].acknowledged; ++b) {
    done = BatchRows(job, f, static_cast<int64_t>(b)).second;
  }
  return done;
}

// Says on stderr which rows failed, and which were appended past the resume point.
void ReportBatches(const AppendJob& job, const AppendFlags& f,
                   const std::vector<BatchResult>& results, int64_t resume, std::ostream& err) {
  const bool any_acknowledged = std::any_of(results.begin(), results.end(),
                                            [](const BatchResult& r) { return r.acknowledged; });
  for (size_t b = 0; b < results.size(); ++b) {
    const auto [first, end] = BatchRows(job, f, static_cast<int64_t>(b));
    if (!results[b].status.ok()) {
      err << "pbl: " << job.what << ": " << RowRange(job, first, end)
          << " not appended: " << results[b].status.message() << "\n";
      if (OutcomeUnknown(results[b].status, any_acknowledged)) {
        err << "pbl: " << job.what << ": the node may have appended them before the call "
            << "failed; running the same command again does not append them twice (each batch "
            << "carries an id the node records)\n";
      }
    } else if (results[b].acknowledged && first >= resume) {
      err << "pbl: " << job.what << ": " << RowRange(job, first, end)
          << " were appended as well, from log index " << results[b].first_index
          << ": take them out of the file before resuming, or they are appended twice\n";
    }
  }
}

nlohmann::json AcknowledgedBatches(const AppendJob& job, const AppendFlags& f,
                                   const std::vector<BatchResult>& results) {
  nlohmann::json batches = nlohmann::json::array();
  for (size_t b = 0; b < results.size(); ++b) {
    if (!results[b].acknowledged) continue;
    const auto [first, end] = BatchRows(job, f, static_cast<int64_t>(b));
    batches.push_back(
        {{"first_row", first + 1}, {"last_row", end}, {"first_index", results[b].first_index}});
  }
  return batches;
}

// Says what is in the log after a failed call and how to resume; returns the exit code.
int ReportFailure(const AppendJob& job, const AppendFlags& f,
                  const std::vector<BatchResult>& results, std::ostream& out, std::ostream& err) {
  const auto failed = std::find_if(results.begin(), results.end(),
                                   [](const BatchResult& r) { return !r.status.ok(); });
  // The client never cancels a call: CANCELLED comes from a node that is shutting down.
  const int code = FailCall(err, job.what,
                            absl::IsCancelled(failed->status)
                                ? absl::UnavailableError(StrCat("the node cancelled the call (",
                                                                failed->status.message(), ")"))
                                : failed->status);
  const Summary s = Summarize(job, f, results);
  const int64_t resume = ResumePoint(job, f, results);
  ReportBatches(job, f, results, resume, err);
  err << "pbl: " << job.what << ": appended " << s.rows_appended << " rows in " << s.batches
      << " batches";
  if (s.first_index) err << " (log index " << *s.first_index << " - " << *s.last_index << ")";
  if (resume == 0) {
    err << "; no row is done: run the same command again once the cause is fixed\n";
  } else {
    err << "; rows 1-" << resume << " are done: run the same command again once the cause is "
        << "fixed (batches already in the log are not appended again), or resume with "
        << "--skip-rows " << resume << "\n";
  }
  if (f.json) {
    out << nlohmann::json{{"error", std::string(failed->status.message())},
                          {"rows_total", job.rows},
                          {"rows_skipped", f.skip_rows},
                          {"rows_appended", s.rows_appended},
                          {"batches", s.batches},
                          {"first_index", OptionalIndex(s.first_index)},
                          {"last_index", OptionalIndex(s.last_index)},
                          {"resume_skip_rows", resume},
                          {"acknowledged_batches", AcknowledgedBatches(job, f, results)}}
               .dump()
        << "\n";
  }
  return code;
}

absl::StatusOr<std::vector<std::unique_ptr<rpc::NodeClient>>> Clients(const AppendFlags& f) {
  std::vector<std::unique_ptr<rpc::NodeClient>> clients;
  for (int32_t s = 0; s < f.streams; ++s) {
    absl::StatusOr<std::unique_ptr<rpc::NodeClient>> client = Connect(f.connection);
    if (!client.ok()) return client.status();
    clients.push_back(*std::move(client));
  }
  return clients;
}

// Asks the node about each scheme the rows name, so that a scheme it does not host is found
// before anything is appended (GetHistory refuses a scheme the node does not host).
absl::Status CheckHosted(const AppendJob& job, const AppendFlags& f, rpc::NodeClient& client,
                         ProblemList* problems) {
  std::vector<std::string> asked;
  for (int64_t row = f.skip_rows; row < job.rows; ++row) {
    const std::string& scheme = job.scheme(row);
    if (std::find(asked.begin(), asked.end(), scheme) != asked.end()) continue;
    asked.push_back(scheme);
    absl::StatusOr<v1::GetHistoryResponse> h = client.GetHistory(job.person(row), scheme);
    if (absl::IsInvalidArgument(h.status())) {
      std::string message(h.status().message());
      if (message.starts_with("scheme_id ")) message.erase(0, 10);
      problems->Add({job.line(row), "scheme_id", std::move(message)});
    } else if (!h.ok()) {
      return h.status();
    }
  }
  return absl::OkStatus();
}

// Appends the rows of a checked job and prints the summary; returns the exit code.
int AppendRows(const AppendJob& job, const AppendFlags& f, std::ostream& out, std::ostream& err) {
  if (f.skip_rows > job.rows) {
    err << "pbl: " << job.what << ": --skip-rows " << f.skip_rows << " is past the " << job.rows
        << " rows of " << job.file << "\n";
    return kExitBadInput;
  }
  absl::StatusOr<std::vector<std::unique_ptr<rpc::NodeClient>>> clients = Clients(f);
  if (!clients.ok()) return FailCall(err, job.what, clients.status());
  ProblemList unhosted;
  if (absl::Status s = CheckHosted(job, f, *clients->front(), &unhosted); !s.ok()) {
    return FailCall(err, job.what, s);
  }
  if (!unhosted.empty() && job.file.empty()) {
    err << "pbl: " << job.what << ": --scheme-id: " << unhosted.shown().front().message << "\n";
    return kExitBadInput;
  }
  if (!unhosted.empty()) return ReportProblems(err, job.what, job.file, unhosted);
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const bool show = !job.file.empty() && (f.progress || tty);
  ProgressBar progress(err, job.what, job.rows - f.skip_rows, tty);
  if (show) progress.Start();
  const std::vector<BatchResult> results = SendBatches(job, f, *clients, &progress.done());
  progress.Stop();
  const bool failed = std::any_of(results.begin(), results.end(),
                                  [](const BatchResult& r) { return !r.status.ok(); });
  if (failed) return ReportFailure(job, f, results, out, err);
  const int64_t size = CheckpointSize(*clients->front(), results, err, job.what);
  return PrintSummary(job, f, Summarize(job, f, results), size, out);
}

// ---------------------------------------------------------------------------------------------
// Commands.

template <typename Row>
int RunFile(const std::string& what, const std::string& file, const AppendFlags& f,
            CheckedCsv<Row> (*check)(std::string_view), std::ostream& out, std::ostream& err) {
  const Clock::time_point start = Clock::now();
  absl::StatusOr<std::string> text = ReadCsvFile(file);
  if (!text.ok()) return FailCall(err, what, text.status());
  const CheckedCsv<Row> checked = check(*text);
  const std::string batch_id = BatchIdPrefix(f, what, *text);
  text->clear();
  text->shrink_to_fit();
  if (!checked.problems.empty()) return ReportProblems(err, what, file, checked.problems);
  if (checked.rows.empty()) {
    err << "pbl: " << what << ": " << file << " has no rows after its header\n";
    return kExitBadInput;
  }
  AppendJob job;
  job.what = what;
  job.file = file;
  job.rows = static_cast<int64_t>(checked.rows.size());
  job.batch_id = batch_id;
  job.start = start;
  job.check_seconds = SecondsSince(start);
  const auto row_at = [&](int64_t row) -> const Row& {
    return checked.rows[static_cast<size_t>(row)];
  };
  job.build = [&](int64_t row, v1::Entry* e) { BuildEntry(row_at(row), checked.schemes, e); };
  job.line = [&](int64_t row) { return row_at(row).line; };
  job.scheme = [&](int64_t row) -> const std::string& {
    return checked.schemes.text(row_at(row).scheme);
  };
  if (f.progress || ::isatty(STDERR_FILENO) == 1) {
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.2f", job.check_seconds);
    err << "pbl: " << what << ": checked " << job.rows << " rows of " << file << " in " << seconds
        << " s\n";
  }
  job.person = [&](int64_t row) {
    return std::string(row_at(row).person_id.data(), row_at(row).person_id.size());
  };
  return AppendRows(job, f, out, err);
}

int RunImport(const ImportFlags& f, std::ostream& out, std::ostream& err) {
  return RunFile<ContributionRow>("import", f.file, f.append, CheckContributionCsv, out, err);
}

int RunEnrollFlags(const EnrollFlags& f, std::ostream& out, std::ostream& err) {
  static constexpr std::string_view kFlags[] = {"--person-id", "--scheme-id", "--date",
                                                "--hukou-region", "--category"};
  const std::string_view fields[] = {f.person_id, f.scheme_id, f.date, f.hukou_region, f.category};
  for (size_t i = 0; i < std::size(fields); ++i) {
    if (fields[i].empty()) {
      err << "pbl: enroll: " << kFlags[i] << " is required (or give --csv FILE)\n";
      return kExitBadInput;
    }
  }
  SchemeTable schemes;
  EnrolmentRow row;
  RowProblem problem;
  if (!CheckEnrolmentFields(fields, &schemes, &row, &problem)) {
    const auto column =
        std::find(kEnrolmentColumns.begin(), kEnrolmentColumns.end(), problem.field);
    const std::string_view flag = column == kEnrolmentColumns.end()
                                      ? "enrolment"
                                      : kFlags[column - kEnrolmentColumns.begin()];
    err << "pbl: enroll: " << flag << ": " << problem.message << "\n";
    return kExitBadInput;
  }
  AppendJob job;
  job.what = "enroll";
  job.rows = 1;
  std::string input;
  for (std::string_view field : fields) StrAppend(&input, field, std::string_view("\0", 1));
  job.batch_id = BatchIdPrefix(f.append, "enroll", input);
  job.start = Clock::now();
  job.build = [&](int64_t, v1::Entry* e) { BuildEntry(row, schemes, e); };
  job.line = [](int64_t) { return int64_t{0}; };
  job.scheme = [&](int64_t) -> const std::string& { return f.scheme_id; };
  job.person = [&](int64_t) { return f.person_id; };
  return AppendRows(job, f.append, out, err);
}

int RunEnroll(const EnrollFlags& f, std::ostream& out, std::ostream& err) {
  if (!f.csv.empty()) {
    return RunFile<EnrolmentRow>("enroll", f.csv, f.append, CheckEnrolmentCsv, out, err);
  }
  if (f.append.skip_rows != 0) {
    err << "pbl: enroll: --skip-rows goes with --csv\n";
    return kExitBadInput;
  }
  return RunEnrollFlags(f, out, err);
}

}  // namespace

void RegisterImportCommands(CLI::App& app, CommandContext& ctx) {
  ImportFlags& import = ctx.Keep<ImportFlags>();
  CLI::App* import_cmd = app.add_subcommand(
      "import",
      "Administrators: append monthly contributions (UEBPI, UEBMI, HPF: period YYYY-MM; base, "
      "personal, employer) and annual premiums (URRBPI, URRBMI: period YYYY; personal, "
      "collective_subsidy, government_subsidy) from a CSV file whose header names the columns "
      "person_id, scheme_id, period, base, personal, employer, collective_subsidy, "
      "government_subsidy in any order. Amounts are yuan with at most 2 decimals. Every row "
      "is checked first; if any is bad, each is reported as FILE:LINE: field: message and "
      "nothing is appended.");
  import_cmd->add_option("file", import.file, "The CSV file")->required();
  AddAppendOptions(import_cmd, &import.append);
  import_cmd->callback(
      [&ctx, &import] { ctx.command = [&] { return RunImport(import, ctx.out, ctx.err); }; });

  EnrollFlags& enroll = ctx.Keep<EnrollFlags>();
  CLI::App* enroll_cmd = app.add_subcommand(
      "enroll",
      "Administrators: record an enrolment given by flags, or those of a CSV file whose header "
      "names person_id, scheme_id, date, hukou_region, retirement_category (checked in full "
      "first, as for import)");
  CLI::Option* csv = enroll_cmd->add_option("--csv", enroll.csv, "A CSV file of enrolments");
  enroll_cmd->add_option("--person-id", enroll.person_id, "The 18-character resident id")
      ->excludes(csv);
  enroll_cmd->add_option("--scheme-id", enroll.scheme_id, "e.g. UEBPI-310000")->excludes(csv);
  enroll_cmd->add_option("--date", enroll.date, "Enrolment date YYYY-MM-DD")->excludes(csv);
  enroll_cmd->add_option("--hukou-region", enroll.hukou_region, "6-digit GB/T 2260 region code")
      ->excludes(csv);
  enroll_cmd
      ->add_option("--category", enroll.category,
                   "Retirement category: male, female-worker or female-staff")
      ->excludes(csv);
  AddAppendOptions(enroll_cmd, &enroll.append);
  enroll_cmd->callback(
      [&ctx, &enroll] { ctx.command = [&] { return RunEnroll(enroll, ctx.out, ctx.err); }; });
}

}  // namespace pbl::cli
