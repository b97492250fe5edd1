#include "transport/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string_view>
#include <sys/stat.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace fasterapi::transport {

namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  bool open() { return ::pipe2(fds, O_CLOEXEC) == 0; }
  void close_all() {
    for (int& fd : fds) {
      if (fd >= 0) ::close(fd);
      fd = -1;
    }
  }
};

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos && extra.count(entry.substr(0, eq))) continue;
    env.push_back(std::move(entry));
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

}  // namespace

bool spawn_child(const SpawnSpec& spec, ChildProcess& out, std::string& error) {
  Pipe in, outp, err;
  if (!in.open() || !outp.open() || !err.open()) {
    error = std::string("pipe: ") + std::strerror(errno);
    in.close_all();
    outp.close_all();
    err.close_all();
    return false;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fds[0], 0);
  posix_spawn_file_actions_adddup2(&actions, outp.fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fds[1], 2);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group; default signal dispositions (Python ignores SIGPIPE, and an
  // ignored disposition would otherwise survive exec); nothing blocked.
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGCHLD);
  sigaddset(&defaults, SIGXFSZ);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_USEVFORK);

  std::vector<std::string> argv_s;
  argv_s.push_back(spec.command);
  argv_s.insert(argv_s.end(), spec.args.begin(), spec.args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = merged_environment(spec.env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, spec.command.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(in.fds[0]);
  ::close(outp.fds[1]);
  ::close(err.fds[1]);
  if (rc != 0) {
    error = "cannot start '" + spec.command + "': " + std::strerror(rc);
    ::close(in.fds[1]);
    ::close(outp.fds[0]);
    ::close(err.fds[0]);
    return false;
  }
  out.pid = pid;
  out.stdin_fd = in.fds[1];
  struct stat st {};
  if (::fstat(in.fds[1], &st) == 0) out.stdin_pipe = st.st_ino;
  out.stdout_fd = outp.fds[0];
  out.stderr_fd = err.fds[0];
#ifdef SYS_pidfd_open
  out.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#endif
  return true;
}

void signal_group(pid_t pid, int sig) {
  if (pid > 0) ::kill(-pid, sig);
}

int kill_pipe_holders(int fd) {
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return 0;
  return kill_pipe_holders_by_inode(st.st_ino);
}

bool pipe_has_readers(int write_fd) {
  pollfd p{write_fd, POLLOUT, 0};
  if (write_fd < 0 || ::poll(&p, 1, 0) < 0) return true;  // unknown: assume someone does
  return (p.revents & POLLERR) == 0;
}

int kill_pipe_holders_by_inode(ino_t inode) {
  if (inode == 0) return 0;
  const std::string target = "pipe:[" + std::to_string(inode) + "]";
  const pid_t self = ::getpid();
  int killed = 0;
  DIR* proc = ::opendir("/proc");
  if (!proc) return 0;
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == self) continue;
    const std::string fd_dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (!fds) continue;  // gone, or not ours to look at
    bool holds = false;
    char link[64];
    while (dirent* f = ::readdir(fds)) {
      if (f->d_name[0] == '.') continue;
      const std::string path = fd_dir + "/" + f->d_name;
      const ssize_t n = ::readlink(path.c_str(), link, sizeof(link) - 1);
      if (n > 0 && std::string_view(link, static_cast<size_t>(n)) == target) {
        holds = true;
        break;
      }
    }
    ::closedir(fds);
    if (holds && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++killed;
  }
  ::closedir(proc);
  return killed;
}

bool try_reap(pid_t pid, int& exit_code, int& term_signal) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid) return false;
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return true;
}

}  // namespace fasterapi::transport
