#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <thread>

#include "crypto/base/strings.h"
#include "rpc/config.h"
#include "rpc/log.h"
#include "rpc/node.h"

namespace pbl::rpc {

// Exit codes: 0 stopped cleanly, 2 bad configuration or usage, 3 cannot serve (port, storage),
// 5 internal.
int PbldMain(int argc, char** argv, NodeSeams seams) {
  CLI::App app(
      "pbld: a Portable Benefit Ledger node. Serves the ledger, person, transfer, peer and token\n"
      "gRPC services of specs/proto/pbl/v1/node.proto over mutual TLS, runs transfers with its\n"
      "peers, and exposes Prometheus metrics. Stops cleanly on SIGTERM or SIGINT.\n"
      "Configuration: specs/node-config.md.");
  std::string config_path;
  bool check_only = false;
  app.add_option("--config", config_path, "the node's TOML configuration file")->required();
  app.add_flag("--check-config", check_only, "check the configuration and exit");
  CLI11_PARSE(app, argc, argv);

  absl::StatusOr<NodeConfig> config = LoadNodeConfig(config_path);
  if (!config.ok()) {
    std::cerr << "pbld: " << config.status().message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "pbld: " << config_path << " is valid\n";
    return 0;
  }
  // Signals are taken by one thread with sigwait; block them before any other thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  InitLogging(config->node_id);
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Create(*std::move(config), std::move(seams));
  if (!node.ok()) {
    std::cerr << "pbld: " << node.status().message() << "\n";
    return absl::IsInvalidArgument(node.status()) ? 2 : 3;
  }
  if (absl::Status s = (*node)->Start(); !s.ok()) {
    std::cerr << "pbld: " << s.message() << "\n";
    return 3;
  }
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    LogInfo("signal", StrCat("signal=", signal == SIGTERM ? "SIGTERM" : "SIGINT"));
    (*node)->Shutdown();
  });
  (*node)->Wait();
  // The waiter is still in sigwait only if Shutdown came from elsewhere; wake it.
  if (waiter.joinable()) {
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  node->reset();
  return 0;
}

}  // namespace pbl::rpc
