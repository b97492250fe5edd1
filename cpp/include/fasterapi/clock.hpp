#pragma once
// One clock interface for the whole core (house rule 5). Production reads the steady
// clock; tests install a ManualClock and move it, so timeouts and windows need no sleeping.
// Two readings: monotonic (durations, rate-limit windows) and wall (JWT exp/nbf/iat).
#include <atomic>
#include <chrono>
#include <cstdint>

namespace fasterapi {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds: durations, deadlines, latency.
  virtual int64_t now_ms() const = 0;
  // Monotonic microseconds: latency statistics.
  virtual int64_t now_us() const = 0;
  // Wall clock, milliseconds since the Unix epoch: only for comparing with timestamps
  // that come from outside (JWT NumericDates).
  virtual int64_t wall_ms() const = 0;
};

class SteadyClock final : public Clock {
 public:
  int64_t now_ms() const override { return now_us() / 1000; }
  int64_t now_us() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t wall_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  int64_t now_ms() const override { return now_us_.load(std::memory_order_relaxed) / 1000; }
  int64_t now_us() const override { return now_us_.load(std::memory_order_relaxed); }
  int64_t wall_ms() const override { return wall_ms_.load(std::memory_order_relaxed); }
  // Moves both readings.
  void advance_ms(int64_t ms) {
    now_us_.fetch_add(ms * 1000, std::memory_order_relaxed);
    wall_ms_.fetch_add(ms, std::memory_order_relaxed);
  }
  void set_ms(int64_t ms) { now_us_.store(ms * 1000, std::memory_order_relaxed); }
  // Tests set the wall reading from Python's time.time() (so freezegun drives it).
  void set_wall_ms(int64_t ms) { wall_ms_.store(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_us_{0};
  std::atomic<int64_t> wall_ms_{0};
};

}  // namespace fasterapi
