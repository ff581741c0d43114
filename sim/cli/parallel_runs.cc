#include "sim/cli/parallel_runs.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <system_error>
#include <thread>
#include <variant>

#include "models/core/check.h"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cutover::sim::cli {
namespace {

namespace fs = std::filesystem;

// The child's error output, next to its report; removed when empty.
constexpr const char* kStderrFile = "cutover.stderr";

std::vector<std::string> child_arguments(const RunJob& job) {
  std::vector<std::string> args = {"cutover",
                                   "run",
                                   job.scenario_path,
                                   "--seed",
                                   std::to_string(job.seed),
                                   "--out",
                                   job.out_dir.string(),
                                   "--quiet"};
  for (const ScenarioOverride& override : job.overrides) {
    args.push_back("--set");
    args.push_back(override.text());
  }
  args.insert(args.end(), job.extra_args.begin(), job.extra_args.end());
  return args;
}

std::string resolved_executable(const std::string& executable) {
  std::error_code error;
  const fs::path target = fs::read_symlink(executable, error);
  return error ? executable : target.string();
}

// Starts one child with stdout to /dev/null and stderr to a file in its report folder.
// Returns the pid, or the reason it could not start.
std::variant<pid_t, std::string> start_child(const RunJob& job, const std::string& executable) {
  std::error_code error;
  fs::create_directories(job.out_dir, error);
  if (error) return job.out_dir.string() + ": cannot create: " + error.message();
  std::vector<std::string> args = child_arguments(job);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string stderr_path = (job.out_dir / kStderrFile).string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned =
      posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return "cannot start " + executable + ": " + std::strerror(spawned);
  return pid;
}

std::string take_stderr(const RunJob& job) {
  const fs::path path = job.out_dir / kStderrFile;
  std::ifstream in(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  in.close();
  std::error_code ignored;
  if (text.empty()) fs::remove(path, ignored);
  return text;
}

class Progress {
 public:
  Progress(const ParallelOptions& options, std::size_t total)
      : enabled_(options.show_progress),
        label_(options.label),
        total_(total),
        note_(options.progress_note) {}
  ~Progress() {
    if (enabled_ && printed_) std::cerr << "\n";
  }
  void finished(std::size_t job, const RunJobResult& result) {
    ++done_;
    if (result.exit_code == 1) ++slo_failed_;
    if (result.exit_code != 0 && result.exit_code != 1) ++errors_;
    if (note_) note_text_ = note_(job, result);
    show();
  }
  void show() {
    if (!enabled_) return;
    printed_ = true;
    std::cerr << "\rcutover: " << label_ << " " << done_ << "/" << total_ << " done, " << running_
              << " running";
    if (note_) {
      std::cerr << (note_text_.empty() ? "" : ", " + note_text_) << "   " << std::flush;
      return;
    }
    std::cerr << ", " << slo_failed_ << " failed an SLO, " << errors_ << " errors   " << std::flush;
  }
  void set_running(std::size_t running) { running_ = running; }

 private:
  bool enabled_;
  std::string label_;
  std::size_t total_;
  std::function<std::string(std::size_t, const RunJobResult&)> note_;
  std::string note_text_;
  std::size_t done_ = 0, running_ = 0, slo_failed_ = 0, errors_ = 0;
  bool printed_ = false;
};

RunJobResult result_of_status(int status) {
  RunJobResult result;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace

std::string shell_quoted(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("/._-=:,+@%", c) != nullptr;
  });
  if (plain) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string replay_command(const RunJob& job) {
  std::string command =
      "cutover run " + shell_quoted(job.scenario_path) + " --seed " + std::to_string(job.seed);
  for (const ScenarioOverride& override : job.overrides) {
    command += " --set " + shell_quoted(override.text());
  }
  return command;
}

std::size_t default_jobs() {
  cpu_set_t cpus;
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) > 0) {
    return static_cast<std::size_t>(CPU_COUNT(&cpus));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<RunJobResult> run_in_parallel(const std::vector<RunJob>& jobs,
                                          const ParallelOptions& options) {
  const std::size_t jobs_max = options.jobs_max == 0 ? default_jobs() : options.jobs_max;
  const std::string executable = resolved_executable(options.executable);
  std::vector<RunJobResult> results(jobs.size());
  std::map<pid_t, std::size_t> running;  // pid -> job index
  Progress progress(options, jobs.size());
  std::size_t next = 0;
  while (next < jobs.size() || !running.empty()) {
    while (running.size() < jobs_max && next < jobs.size()) {
      auto started = start_child(jobs[next], executable);
      if (auto* pid = std::get_if<pid_t>(&started)) {
        running.emplace(*pid, next);
      } else {
        results[next].stderr_text = std::get<std::string>(started) + "\n";
        progress.finished(next, results[next]);
      }
      ++next;
    }
    progress.set_running(running.size());
    progress.show();
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      CUTOVER_CHECK(errno == EINTR, std::string("waitpid: ") + std::strerror(errno));
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours (see REQUIRES in the header)
    const std::size_t index = it->second;
    running.erase(it);
    results[index] = result_of_status(status);
    results[index].stderr_text = take_stderr(jobs[index]);
    progress.set_running(running.size());
    progress.finished(index, results[index]);
  }
  return results;
}

}  // namespace cutover::sim::cli
