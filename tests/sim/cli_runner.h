// Runs the real `cutover` binary as a subprocess, the way a user does, and hands back what the
// user would see: the exit status, stdout, stderr and the files a run writes. Scenario-level
// tests go through here because SimGrid's engine is a process singleton: one run per process.
//
// CUTOVER_BINARY and CUTOVER_SOURCE_DIR are compile definitions of the sim_test target.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cutover::test_support {

inline std::filesystem::path cutover_binary() { return CUTOVER_BINARY; }
inline std::filesystem::path source_dir() { return CUTOVER_SOURCE_DIR; }

// A fresh directory under the system temp folder, removed with its contents on destruction.
// Set CUTOVER_KEEP_TEST_DIRS=1 to keep it for a post-mortem.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cutover-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir& operator=(TempDir&& other) noexcept {
    if (this != &other) {
      remove();
      path_ = std::exchange(other.path_, {});
    }
    return *this;
  }
  ~TempDir() { remove(); }

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  void remove() {
    if (path_.empty() || std::getenv("CUTOVER_KEEP_TEST_DIRS") != nullptr) return;
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

struct CommandResult {
  int exit_code = -1;   // the process's exit status; -1 when it did not exit normally
  int signal = 0;       // the signal that ended it, 0 when it exited
  std::string out;      // stdout
  std::string err;      // stderr
  std::string command;  // for failure messages

  std::string describe() const {
    std::ostringstream text;
    text << command << "\n  exit code " << exit_code;
    if (signal != 0) text << " (killed by signal " << signal << ")";
    text << "\n  stderr: " << err << "\n  stdout: " << out;
    return text.str();
  }
};

// Runs `argv` (argv[0] is the program: a path, or a name looked up in PATH) with stdout and
// stderr captured to files (no pipe to deadlock on), and waits for it. `environment` entries
// ("NAME=value") are added to this process's environment for the child.
inline CommandResult run_program(std::vector<std::string> argv_text,
                                 const std::vector<std::string>& environment = {}) {
  const TempDir capture;
  const std::string out_path = (capture / "stdout").string();
  const std::string err_path = (capture / "stderr").string();

  std::vector<char*> argv;
  CommandResult result;
  for (std::string& arg : argv_text) {
    argv.push_back(arg.data());
    result.command += (result.command.empty() ? "" : " ") + arg;
  }
  argv.push_back(nullptr);
  // The child's environment: ours, with `environment` replacing variables of the same name.
  std::vector<std::string> environment_text(environment);
  std::vector<char*> envp;
  for (std::string& entry : environment_text) envp.push_back(entry.data());
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view name(*entry, std::strcspn(*entry, "="));
    const bool replaced = std::any_of(environment.begin(), environment.end(), [&](const auto& e) {
      return e.size() > name.size() && e.compare(0, name.size(), name) == 0 &&
             e[name.size()] == '=';
    });
    if (!replaced) envp.push_back(*entry);
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("cannot start " + argv_text[0] + ": " + std::strerror(spawned));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error("waitpid failed: " + std::string(std::strerror(errno)));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

// Runs `cutover args...` as run_program does.
inline CommandResult run_cutover(const std::vector<std::string>& args) {
  std::vector<std::string> argv_text{cutover_binary().string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  return run_program(std::move(argv_text));
}

// The full path of `program` found in PATH, or empty when it is not installed.
inline std::filesystem::path find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream folders(path == nullptr ? "" : path);
  for (std::string folder; std::getline(folders, folder, ':');) {
    if (folder.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(folder) / program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// One `cutover run` of a scenario, with what it wrote. `dir` holds the scenario file and the
// report folder and is removed with this object.
struct ScenarioRun {
  TempDir dir;
  CommandResult command;
  nlohmann::json report;       // report.json, parsed; null when the run wrote none
  std::string timeseries_csv;  // timeseries.csv; empty when the run wrote none

  std::filesystem::path out_dir() const { return dir / "out"; }
};

namespace detail {
inline void run_into(ScenarioRun& run, const std::filesystem::path& scenario,
                     const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"run", scenario.string(), "--quiet", "--out",
                                run.out_dir().string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  run.command = run_cutover(args);
  const std::filesystem::path report = run.out_dir() / "report.json";
  if (std::filesystem::exists(report)) run.report = nlohmann::json::parse(read_text(report));
  const std::filesystem::path csv = run.out_dir() / "timeseries.csv";
  if (std::filesystem::exists(csv)) run.timeseries_csv = read_text(csv);
}
}  // namespace detail

// Runs an existing scenario file with --quiet --out <fresh temp dir> (plus extra_args) and
// parses report.json when it was written.
inline ScenarioRun run_scenario_file(const std::filesystem::path& scenario,
                                     const std::vector<std::string>& extra_args = {}) {
  ScenarioRun run;
  detail::run_into(run, scenario, extra_args);
  return run;
}

// Writes `scenario` to <temp dir>/scenario.json and runs it as run_scenario_file does; the
// scenario stays next to its report (see CUTOVER_KEEP_TEST_DIRS).
inline ScenarioRun run_scenario(const nlohmann::json& scenario,
                                const std::vector<std::string>& extra_args = {}) {
  ScenarioRun run;
  const std::filesystem::path file = run.dir / "scenario.json";
  write_text(file, scenario.dump(2) + "\n");
  detail::run_into(run, file, extra_args);
  return run;
}

}  // namespace cutover::test_support
