// The `pbl` binary, run as a user runs it: every command, and bad input of each kind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace pbl {
namespace {

using ::pbl::testing::RunProgram;
using ::pbl::testing::RunResult;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class PblCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::pbl::testing::FreshTestDir("cli");
    entries_ = std::string(PBL_VECTORS_DIR) + "/tlog/size-7/entries.jsonl";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RunResult Pbl(std::vector<std::string> args) {
    args.insert(args.begin(), PBL_BINARY);
    return RunProgram(args, dir_.string());
  }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& data) {
    std::ofstream(Path(name), std::ios::binary) << data;
  }
  std::string Read(const std::string& name) { return testing::ReadWholeFile(Path(name)); }
  // Entry `index` of the vectors' entries file: its line, without the newline.
  std::string EntryLine(int index) {
    std::ifstream in(entries_);
    std::string line;
    for (int i = 0; i <= index; ++i) std::getline(in, line);
    return line;
  }

  // Makes a key and a checkpoint over the Go vectors' 7 entries; returns the verifier key.
  std::string KeyAndCheckpoint() {
    RunResult keygen = Pbl({"keygen", "--name", "pbl.example/node/310000", "--out", "node.key"});
    EXPECT_EQ(keygen.exit_code, 0) << keygen.err;
    RunResult sign =
        Pbl({"checkpoint", "sign", "--key", "node.key", "--entries", entries_, "--out", "cp.txt"});
    EXPECT_EQ(sign.exit_code, 0) << sign.err;
    return keygen.out.substr(0, keygen.out.find('\n'));
  }

  std::filesystem::path dir_;
  std::string entries_;
};

TEST_F(PblCliTest, HelpExplainsCommandsAndExitCodes) {
  RunResult r = Pbl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("keygen"));
  EXPECT_THAT(r.out, HasSubstr("Exit codes"));
  RunResult sub = Pbl({"checkpoint", "verify", "--help"});
  EXPECT_EQ(sub.exit_code, 0);
  EXPECT_THAT(sub.out, HasSubstr("--vkey"));
}

TEST_F(PblCliTest, KeygenWritesA0600KeyAndPrintsItsVerifierKey) {
  RunResult r = Pbl({"keygen", "--name", "pbl.example/node/310000", "--out", "node.key"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("pbl.example/node/310000+"));
  struct stat st;
  ASSERT_EQ(::stat(Path("node.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  RunResult vkey = Pbl({"vkey", "--key", "node.key"});
  EXPECT_EQ(vkey.out, r.out);
}

// `pbl cert-key` prints the key id openssl computed for the same certificate (the vector file).
TEST_F(PblCliTest, CertKeyPrintsTheKeyIdOpensslComputes) {
  const std::string dir = std::string(PBL_VECTORS_DIR) + "/certificate_key/";
  std::ifstream ids(dir + "key-ids.txt");
  std::string file;
  std::string id;
  int checked = 0;
  while (ids >> file >> id) {
    const RunResult r = Pbl({"cert-key", dir + file});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, id + "\n") << file;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
  const RunResult not_a_cert = Pbl({"cert-key", dir + "key-ids.txt"});
  EXPECT_NE(not_a_cert.exit_code, 0);
  EXPECT_THAT(not_a_cert.err, HasSubstr("cert-key"));
}

TEST_F(PblCliTest, KeygenNeverOverwritesAKey) {
  ASSERT_EQ(Pbl({"keygen", "--name", "a", "--out", "node.key"}).exit_code, 0);
  const std::string before = Read("node.key");
  RunResult again = Pbl({"keygen", "--name", "a", "--out", "node.key"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("node.key"));
  EXPECT_EQ(Read("node.key"), before);
}

TEST_F(PblCliTest, CheckpointOverGoVectorEntriesHasGoRootAndVerifies) {
  const std::string vkey = KeyAndCheckpoint();
  // The root of the 7 entries as computed by Go's sumdb/tlog (tests/vectors/tlog/size-7).
  EXPECT_THAT(Read("cp.txt"), HasSubstr("\n7\n6xrlqZKCcVqrZ8hrFd0did+Wiu6fEA3e3uyGrUoO774=\n"));
  RunResult r = Pbl({"checkpoint", "verify", "--vkey", vkey, "cp.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("checkpoint verified"));
}

TEST_F(PblCliTest, TamperedCheckpointFailsWithExitCode1) {
  const std::string vkey = KeyAndCheckpoint();
  std::string cp = Read("cp.txt");
  cp.replace(cp.find("\n7\n"), 3, "\n8\n");
  Write("tampered.txt", cp);
  RunResult r = Pbl({"checkpoint", "verify", "--vkey", vkey, "tampered.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("does NOT verify"));
}

TEST_F(PblCliTest, CheckpointFromAnotherKeyFails) {
  KeyAndCheckpoint();
  RunResult other = Pbl({"keygen", "--name", "pbl.example/node/310000", "--out", "other.key"});
  const std::string other_vkey = other.out.substr(0, other.out.find('\n'));
  RunResult r = Pbl({"checkpoint", "verify", "--vkey", other_vkey, "cp.txt"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no signature from a known key"));
}

TEST_F(PblCliTest, KeyReadableByOthersIsRefused) {
  KeyAndCheckpoint();
  ASSERT_EQ(::chmod(Path("node.key").c_str(), 0644), 0);
  RunResult r = Pbl({"checkpoint", "sign", "--key", "node.key", "--entries", entries_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("group or others"));
}

TEST_F(PblCliTest, ProofOfAnEntryVerifiesAndFailsForAnotherEntry) {
  const std::string vkey = KeyAndCheckpoint();
  ASSERT_EQ(Pbl({"proof", "make", "--entries", entries_, "--checkpoint", "cp.txt", "--index", "3",
                 "--out", "p3.txt"})
                .exit_code,
            0);
  EXPECT_THAT(Read("p3.txt"), StartsWith("c2sp.org/tlog-proof@v1\nindex 3\n"));
  const std::string line = EntryLine(3);
  RunResult ok = Pbl({"proof", "verify", "--vkey", vkey, "--entry", line, "p3.txt"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("entry 3 is in the log"));
  RunResult bad = Pbl({"proof", "verify", "--vkey", vkey, "--entry", line + " ", "p3.txt"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("does NOT prove"));
}

TEST_F(PblCliTest, ProofWithAnyByteChangedFails) {
  const std::string vkey = KeyAndCheckpoint();
  ASSERT_EQ(Pbl({"proof", "make", "--entries", entries_, "--checkpoint", "cp.txt", "--index", "5",
                 "--out", "p.txt"})
                .exit_code,
            0);
  const std::string line = EntryLine(5);
  const std::string proof = Read("p.txt");
  // Every 7th byte keeps the test fast while touching each line of the file.
  for (size_t i = 0; i < proof.size(); i += 7) {
    std::string tampered = proof;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    Write("t.txt", tampered);
    RunResult r = Pbl({"proof", "verify", "--vkey", vkey, "--entry", line, "t.txt"});
    EXPECT_EQ(r.exit_code, 1) << "byte " << i;
  }
}

TEST_F(PblCliTest, BadInputGetsExitCode2AndAMessage) {
  const std::string vkey = KeyAndCheckpoint();
  RunResult missing = Pbl({"checkpoint", "verify", "--vkey", vkey, "absent.txt"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.txt"));
  RunResult bad_vkey = Pbl({"checkpoint", "verify", "--vkey", "not-a-key", "cp.txt"});
  EXPECT_EQ(bad_vkey.exit_code, 2);
  EXPECT_THAT(bad_vkey.err, HasSubstr("verifier key"));
  RunResult no_command = Pbl({});
  EXPECT_EQ(no_command.exit_code, 2);
  RunResult unknown = Pbl({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  RunResult bad_name = Pbl({"keygen", "--name", "has space", "--out", "k"});
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_THAT(bad_name.err, HasSubstr("space"));
  Write("empty.txt", "");
  RunResult empty = Pbl({"checkpoint", "sign", "--key", "node.key", "--entries", "empty.txt"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("no entries"));
  RunResult index =
      Pbl({"proof", "make", "--entries", entries_, "--checkpoint", "cp.txt", "--index", "7"});
  EXPECT_EQ(index.exit_code, 2);
  EXPECT_THAT(index.err, HasSubstr("index 7"));
}

}  // namespace
}  // namespace pbl
