// `pbl import` end to end (issue 6), a plain program run by scripts/bench-import.sh: writes a
// deterministic CSV of monthly UEBPI contributions (by default 10,000 persons x 100 months, valid
// resident ids, Shanghai's contribution bases, one month after another as an administrator's
// monthly exports are), starts real pbld nodes (mutual TLS, loopback; tests/rpc/cluster.h), runs
// the real `pbl import --json` against the Shanghai node as an administrator, and reports the
// wall time, CPU and peak RSS of pbl (as `time` does), the CPU pbld spent meanwhile, and rows/s;
// then the node's disk use and peak RSS.
// --audit then runs `pbl audit log` over the whole log as an auditor and reports entries/s (the
// scale run of issue 7, scripts/scale-run.sh). --write-csv only writes the file, --csv imports a
// given one (the comparison with PostgreSQL, scripts/bench-compare.sh, loads the same file).
// --sealed runs the nodes with a master key (log format v2), for the cost of v2 end to end.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/rpc/cluster.h"
#include "tests/testing/entries.h"
#include "tests/testing/subprocess.h"

namespace pbl::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int64_t rows = 1'000'000;
  int64_t persons = 10'000;
  std::vector<std::string> pbl_flags;  // passed through: --streams, --batch-rows
  std::string csv;                     // import this file instead of generating one
  std::string write_csv;               // only write the generated CSV here
  bool audit = false;                  // then `pbl audit log` over the node's whole log
  bool keep = false;
  bool sealed = false;  // the nodes run with a master key: logs in format v2
};

// Fen as yuan with 2 decimals.
void AppendYuan(std::string* out, int64_t fen) {
  char text[32];
  std::snprintf(text, sizeof(text), "%lld.%02lld", static_cast<long long>(fen / 100),
                static_cast<long long>(fen % 100));
  *out += text;
}

// Row n: month n / persons (0 = 2016-01), person n % persons; the base in Shanghai's 2023 range
// (7,310 to 36,921 yuan), 8% to the account and 16% to the pool, rounded half up to the fen.
void AppendRow(int64_t n, int64_t persons, std::string* out) {
  const int64_t person = n % persons;
  const int64_t month = n / persons;
  const int64_t base = 731'000 + (person * 7919 + month * 104'729) % 2'961'100;
  char period[16];
  std::snprintf(period, sizeof(period), "%04d-%02d", static_cast<int>(2016 + month / 12),
                static_cast<int>(1 + month % 12));
  *out += PersonId(person);
  *out += ",UEBPI-310000,";
  *out += period;
  *out += ',';
  AppendYuan(out, base);
  *out += ',';
  AppendYuan(out, (base * 8 + 50) / 100);
  *out += ',';
  AppendYuan(out, (base * 16 + 50) / 100);
  *out += ",,\n";
}

// Writes the CSV a million rows at a time (a 16,000,000-row file is 1.3 GB).
size_t WriteCsv(const std::string& path, const Options& o) {
  std::ofstream file(path, std::ios::binary);
  std::string text =
      "person_id,scheme_id,period,base,personal,employer,collective_subsidy,government_subsidy\n";
  size_t bytes = 0;
  constexpr int64_t kChunkRows = 1'000'000;
  text.reserve(static_cast<size_t>(kChunkRows) * 80 + text.size());
  for (int64_t n = 0; n < o.rows; ++n) {
    AppendRow(n, o.persons, &text);
    if ((n + 1) % kChunkRows == 0 || n + 1 == o.rows) {
      file << text;
      bytes += text.size();
      text.clear();
    }
  }
  file.close();
  if (!file) {
    std::fprintf(stderr, "import_bench: cannot write %s\n", path.c_str());
    std::exit(1);
  }
  return bytes;
}

// The data rows of a CSV file (its lines after the header).
int64_t CountRows(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  int64_t lines = 0;
  std::string line;
  while (std::getline(in, line)) ++lines;
  return lines > 0 ? lines - 1 : 0;
}

// Bytes of the regular files under `dir`.
uint64_t DiskBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) bytes += e.file_size(ec);
  }
  return bytes;
}

// The peak resident set of process `pid` so far (VmHWM), in MB, or 0.
double PeakRssMb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) return std::atof(line.c_str() + 6) / 1024;
  }
  return 0;
}

// CPU seconds (user + system) that process `pid` has used so far, from /proc.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
  std::vector<std::string> fields;
  size_t pos = close + 2;
  while (pos < stat.size() && fields.size() < 13) {
    const size_t space = stat.find(' ', pos);
    fields.push_back(stat.substr(pos, space - pos));
    pos = space + 1;
  }
  if (fields.size() < 13) return 0;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
}

// The node's Prometheus text (GET /metrics on 127.0.0.1:port), or "" if it cannot be read.
std::string ScrapeMetrics(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  std::string text;
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
      ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
    char buffer[65536];
    for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) {
      text.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return text;
}

// sum / count of a Prometheus histogram in `metrics`, or 0.
double HistogramMean(const std::string& metrics, const std::string& name) {
  const auto value = [&](const std::string& series) {
    const size_t at = metrics.find("\n" + series + " ");
    return at == std::string::npos ? 0.0 : std::atof(metrics.c_str() + at + series.size() + 2);
  };
  const double count = value(name + "_count");
  return count > 0 ? value(name + "_sum") / count : 0;
}

struct Timed {
  int exit_code = -1;
  double wall_s = 0;
  double user_s = 0;
  double sys_s = 0;
  double max_rss_mb = 0;
};

// Runs argv with stdout to `out_path` and stderr inherited (progress shows on a terminal).
Timed RunTimed(const std::vector<std::string>& argv, const std::string& out_path) {
  Timed t;
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  t.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  t.user_s = static_cast<double>(usage.ru_utime.tv_sec) +
             static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
  t.sys_s = static_cast<double>(usage.ru_stime.tv_sec) +
            static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  t.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024;
  if (WIFEXITED(status)) t.exit_code = WEXITSTATUS(status);
  return t;
}

// `pbl audit log` over the Shanghai node's whole log, timed; 0 when it found nothing.
int RunAudit(Cluster& cluster, const std::string& dir, int64_t entries) {
  const std::string vkey = dir + "/shanghai.vkey";
  std::ofstream(vkey) << cluster.spec(kShanghai).verifier_key << "\n";
  std::vector<std::string> argv = {PBL_BINARY,    "audit",
                                   "log",         "--json",
                                   "--vkey",      vkey,
                                   "--state-dir", dir + "/audit-state",
                                   "--server",    cluster.spec(kShanghai).Address(),
                                   "--ca",        cluster.pki().ca_cert,
                                   "--cert",      cluster.pki().Cert("auditor"),
                                   "--key",       cluster.pki().Key("auditor")};
  std::string command;
  for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
  std::printf("time %s\n", command.c_str());
  std::fflush(stdout);
  const pid_t node = cluster.process(kShanghai).pid();
  const double node_cpu_before = ProcessCpuSeconds(node);
  const Timed t = RunTimed(argv, dir + "/audit.json");
  const double node_cpu = ProcessCpuSeconds(node) - node_cpu_before;
  std::printf("pbl audit log report: %s", ReadWholeFile(dir + "/audit.json").c_str());
  std::printf(
      "real %.2f s  user %.2f s  sys %.2f s  peak RSS %.0f MB (pbl); pbld used %.2f s CPU "
      "meanwhile\n",
      t.wall_s, t.user_s, t.sys_s, t.max_rss_mb, node_cpu);
  if (t.exit_code != 0) {
    std::printf("pbl audit log exited with %d\n", t.exit_code);
    return 1;
  }
  std::printf("audit: %.0f entries/s (goal 1000000)\n", static_cast<double>(entries) / t.wall_s);
  return 0;
}

int Run(const Options& o) {
  if (!o.write_csv.empty()) {
    const auto gen_start = Clock::now();
    const size_t bytes = WriteCsv(o.write_csv, o);
    std::printf("import_bench: %lld rows (%lld persons), %.1f MB written to %s in %.2f s\n",
                static_cast<long long>(o.rows), static_cast<long long>(o.persons),
                static_cast<double>(bytes) / 1e6, o.write_csv.c_str(),
                std::chrono::duration<double>(Clock::now() - gen_start).count());
    return 0;
  }
  const std::string dir = FreshTestDir("import_bench");
  std::string csv = o.csv;
  int64_t rows = 0;
  if (csv.empty()) {
    csv = dir + "/contributions.csv";
    const auto gen_start = Clock::now();
    const size_t bytes = WriteCsv(csv, o);
    rows = o.rows;
    std::printf(
        "import_bench: %lld rows (%lld persons, one month after another), %.1f MB CSV "
        "written in %.2f s\n",
        static_cast<long long>(o.rows), static_cast<long long>(o.persons),
        static_cast<double>(bytes) / 1e6,
        std::chrono::duration<double>(Clock::now() - gen_start).count());
  } else {
    rows = CountRows(csv);
    std::printf("import_bench: %lld rows in %s\n", static_cast<long long>(rows), csv.c_str());
  }
  Cluster cluster;
  ClusterOptions options;
  options.sealed = o.sealed;
  cluster.Start("import_bench_cluster", options);
  std::printf("node log: format %s\n", o.sealed ? "v2 (sealed, [node] master_key)" : "v1");
  const pid_t node = cluster.process(kShanghai).pid();
  std::vector<std::string> argv = {PBL_BINARY, "import",
                                   csv,        "--json",
                                   "--server", cluster.spec(kShanghai).Address(),
                                   "--ca",     cluster.pki().ca_cert,
                                   "--cert",   cluster.pki().Cert("admin-sh"),
                                   "--key",    cluster.pki().Key("admin-sh")};
  argv.insert(argv.end(), o.pbl_flags.begin(), o.pbl_flags.end());
  std::string command;
  for (const std::string& a : argv) command += (command.empty() ? "" : " ") + a;
  std::printf("time %s\n", command.c_str());
  std::fflush(stdout);
  const double node_cpu_before = ProcessCpuSeconds(node);
  const Timed t = RunTimed(argv, dir + "/summary.json");
  const double node_cpu = ProcessCpuSeconds(node) - node_cpu_before;
  std::printf("pbl summary: %s", ReadWholeFile(dir + "/summary.json").c_str());
  std::printf(
      "real %.2f s  user %.2f s  sys %.2f s  peak RSS %.0f MB (pbl); pbld used %.2f s CPU "
      "meanwhile\n",
      t.wall_s, t.user_s, t.sys_s, t.max_rss_mb, node_cpu);
  const std::string metrics = ScrapeMetrics(cluster.spec(kShanghai).metrics_port);
  std::printf(
      "node: AppendEntries %.1f ms on average until durable; %.1f batches (%.0f entries) per "
      "synced ledger group\n",
      HistogramMean(metrics, "pbl_append_seconds") * 1000,
      HistogramMean(metrics, "pbl_ledger_group_appends"),
      HistogramMean(metrics, "pbl_ledger_group_entries"));
  if (t.exit_code != 0) {
    std::printf("pbl import failed with exit code %d; files kept in %s and %s\n", t.exit_code,
                dir.c_str(), cluster.dir().c_str());
    return 1;
  }
  std::printf("import: %.0f rows/s end to end (goal 100000)\n",
              static_cast<double>(rows) / t.wall_s);
  int result = 0;
  if (o.audit) result = RunAudit(cluster, dir, rows);
  const std::string data_dir = cluster.spec(kShanghai).DataDir();
  std::printf("node: data directory %.2f GB (%.0f bytes per entry), peak RSS %.0f MB\n",
              static_cast<double>(DiskBytes(data_dir)) / 1e9,
              static_cast<double>(DiskBytes(data_dir)) / static_cast<double>(rows),
              PeakRssMb(node));
  std::fflush(stdout);
  cluster.process(kShanghai).Stop();
  cluster.process(kAnhui).Stop();
  if (!o.keep && result == 0) {
    // The node's data is about 450 MB per million rows.
    std::filesystem::remove_all(dir);
    std::filesystem::remove_all(cluster.dir());
  }
  return result;
}

}  // namespace
}  // namespace pbl::testing

int main(int argc, char** argv) {
  pbl::testing::Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--rows" && has_value) {
      o.rows = std::atoll(argv[++i]);
    } else if (flag == "--persons" && has_value) {
      o.persons = std::atoll(argv[++i]);
    } else if ((flag == "--streams" || flag == "--batch-rows") && has_value) {
      o.pbl_flags.push_back(flag);
      o.pbl_flags.push_back(argv[++i]);
    } else if (flag == "--csv" && has_value) {
      o.csv = argv[++i];
    } else if (flag == "--write-csv" && has_value) {
      o.write_csv = argv[++i];
    } else if (flag == "--sealed") {
      o.sealed = true;
    } else if (flag == "--audit") {
      o.audit = true;
    } else if (flag == "--keep") {
      o.keep = true;
    } else {
      std::fprintf(
          stderr,
          "usage: import_bench [--rows N] [--persons N] [--streams N] [--batch-rows N]\n"
          "                    [--csv FILE | --write-csv FILE] [--audit] [--sealed] [--keep]\n");
      return 2;
    }
  }
  if (o.rows < 1 || o.persons < 1 || o.persons > pbl::testing::kPersonIdsMax) {
    std::fprintf(stderr, "import_bench: --rows must be positive, --persons from 1 to 26,880,000\n");
    return 2;
  }
  return pbl::testing::Run(o);
}
