// nninit_bench_fill: how fast nninit fills a large tensor, against this machine's memory write bandwidth
// and against PyTorch doing the same calls, all measured in one run (docs/performance.md says how to read
// them). Rows named "philox ..." fill with a PhiloxGenerator stream (docs/rng.md §11) and are compared
// with PyTorch's own call of the same distribution, since PyTorch has no such engine on CPU.
//
//   nninit_bench_fill [--log2-numel N] [--reps R] [--threads T] [--torch-version 1.13] [--capability avx2]
//                     [--python /usr/bin/python3] [--no-torch] [--filter SUBSTRING]
//
// It prints; it never asserts. Rates are best-of-R wall-clock times on a pre-faulted tensor (page faults
// are a separate cost: a first write to fresh anonymous memory faults every 4 KiB page). Gelem/s counts
// output elements, GB/s the bytes written. PyTorch runs as a subprocess (torch imported once, timed inside
// Python with time.perf_counter, torch.set_num_threads(T)); nninit's fills use T threads too. Environment:
// NNINIT_CPU=generic|avx2|avx512 caps the instruction set nninit's kernels use (random/host_isa.h); the bits
// never change.
#include <immintrin.h>
#include <time.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/threads.h"
#include "nninit/init/init.h"
#include "nninit/random/host_isa.h"
#include "nninit/random/philox.h"
#include "nninit/random/torch_generator.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int log2_numel = 26;
  int reps = 3;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string torch_version = "1.13";
  std::string capability = "avx2";
  std::string python = "/usr/bin/python3";
  bool run_torch = true;
  std::string filter;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// ---- memory write bandwidth -------------------------------------------------------------------------

// One pass of stores over [begin, end): non-temporal (streaming, no read for ownership) or plain; with
// the widest vectors this CPU has (64-byte AVX-512, 32-byte AVX, else 16-byte SSE2).
__attribute__((target("avx512f"))) void store_pass_avx512(std::byte* begin, std::byte* end,
                                                          bool non_temporal) {
  const __m512i value = _mm512_set1_epi32(0x3f800000);
  auto* p = reinterpret_cast<__m512i*>(begin);
  auto* const stop = reinterpret_cast<__m512i*>(end);
  if (non_temporal) {
    for (; p < stop; ++p) _mm512_stream_si512(p, value);
    _mm_sfence();
  } else {
    for (; p < stop; ++p) _mm512_store_si512(p, value);
  }
}

__attribute__((target("avx"))) void store_pass_avx(std::byte* begin, std::byte* end, bool non_temporal) {
  const __m256i value = _mm256_set1_epi32(0x3f800000);
  auto* p = reinterpret_cast<__m256i*>(begin);
  auto* const stop = reinterpret_cast<__m256i*>(end);
  if (non_temporal) {
    for (; p < stop; ++p) _mm256_stream_si256(p, value);
    _mm_sfence();
  } else {
    for (; p < stop; ++p) _mm256_store_si256(p, value);
  }
}

void store_pass_sse2(std::byte* begin, std::byte* end, bool non_temporal) {
  const __m128i value = _mm_set1_epi32(0x3f800000);
  auto* p = reinterpret_cast<__m128i*>(begin);
  auto* const stop = reinterpret_cast<__m128i*>(end);
  if (non_temporal) {
    for (; p < stop; ++p) _mm_stream_si128(p, value);
    _mm_sfence();
  } else {
    for (; p < stop; ++p) _mm_store_si128(p, value);
  }
}

void store_pass(std::byte* begin, std::byte* end, bool non_temporal) {
  if (__builtin_cpu_supports("avx512f")) {
    store_pass_avx512(begin, end, non_temporal);
  } else if (__builtin_cpu_supports("avx")) {
    store_pass_avx(begin, end, non_temporal);
  } else {
    store_pass_sse2(begin, end, non_temporal);
  }
}

// Best GB/s over `reps` passes of `threads` threads, each storing its own contiguous share of the buffer.
double store_bandwidth(std::byte* buffer, std::size_t bytes, int threads, bool non_temporal, int reps) {
  double best = 0.0;
  const std::size_t share = bytes / static_cast<std::size_t>(threads) / 64 * 64;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 1; t < threads; ++t) {
      std::byte* begin = buffer + share * static_cast<std::size_t>(t);
      workers.emplace_back([=] { store_pass(begin, begin + share, non_temporal); });
    }
    store_pass(buffer, buffer + share, non_temporal);
    for (auto& w : workers) w.join();
    const double s = seconds_since(start);
    best = std::max(best, static_cast<double>(share) * threads / s * 1e-9);
  }
  return best;
}

// ---- the calls ------------------------------------------------------------------------------------------

enum class Engine { torch, philox };

struct Case {
  std::string name;  // as printed, also the key shared with the Python side
  nninit::DType dtype;
  std::function<void(const nninit::Tensor&, nninit::Generator&)> nninit_call;
  std::string torch_call;  // Python statement on `x`
  Engine engine = Engine::torch;
};

std::vector<Case> cases() {
  using nninit::DType;
  namespace init = nninit::init;
  std::vector<Case> all;
  for (DType dtype : {DType::float32, DType::bfloat16}) {
    const std::string t = dtype == DType::float32 ? "float32" : "bfloat16";
    all.push_back(
        {"uniform_", dtype, [](const auto& x, auto& g) { g.uniform_(x, 0.0, 1.0); }, "x.uniform_()"});
    all.push_back({"normal_", dtype, [](const auto& x, auto& g) { g.normal_(x, 0.0, 1.0); }, "x.normal_()"});
    all.push_back({"kaiming_uniform_(a=sqrt(5))", dtype,
                   [](const auto& x, auto& g) { init::kaiming_uniform_(x, {.a = std::sqrt(5.0)}, g); },
                   "torch.nn.init.kaiming_uniform_(x, a=math.sqrt(5))"});
    all.push_back({"trunc_normal_(std=0.02)", dtype,
                   [](const auto& x, auto& g) { init::trunc_normal_(x, {.std = 0.02}, g); },
                   "torch.nn.init.trunc_normal_(x, std=0.02)"});
  }
  for (DType dtype : {DType::float32, DType::bfloat16}) {
    all.push_back({"philox uniform_", dtype, [](const auto& x, auto& g) { g.uniform_(x, 0.0, 1.0); },
                   "x.uniform_()", Engine::philox});
    all.push_back({"philox normal_", dtype, [](const auto& x, auto& g) { g.normal_(x, 0.0, 1.0); },
                   "x.normal_()", Engine::philox});
    all.push_back({"philox trunc_normal_(std=0.02)", dtype,
                   [](const auto& x, auto& g) { init::trunc_normal_(x, {.std = 0.02}, g); },
                   "torch.nn.init.trunc_normal_(x, std=0.02)", Engine::philox});
    all.push_back({"philox trunc_normal_(-1, 2)", dtype,
                   [](const auto& x, auto& g) { init::trunc_normal_(x, {.a = -1.0, .b = 2.0}, g); },
                   "torch.nn.init.trunc_normal_(x, a=-1.0, b=2.0)", Engine::philox});
  }
  return all;
}

std::string key_of(const Case& c) {
  return c.name + " " + std::string(nninit::dtype_name(c.dtype));
}

// The Python side: one process, torch imported once, each call timed best-of-reps on a pre-faulted tensor.
constexpr const char* torch_script = R"PY(
import math, sys, time, torch
rows, cols, reps, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
try:
    cap = torch.backends.cpu.get_cpu_capability()
except Exception:
    cap = [l.split(":")[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l]
    cap = cap[0] if cap else "?"
print("info torch %s capability %s threads %d" % (torch.__version__, cap, torch.get_num_threads()), flush=True)
for line in sys.stdin:
    key, dtype, stmt = line.rstrip("\n").split("\t")
    x = torch.empty(rows, cols, dtype=getattr(torch, dtype))
    x.zero_()
    best, best_cpu = float("inf"), 0.0
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        exec(stmt)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        if t < best:
            best, best_cpu = t, c
    print("time\t%s\t%.9f\t%.9f" % (key, best, best_cpu), flush=True)
)PY";

struct Timing {
  double wall = 0.0;  // seconds
  double cpu = 0.0;   // process CPU seconds of the same run (all threads)
};

std::map<std::string, Timing> torch_times(const Options& options, std::int64_t rows, std::int64_t cols,
                                          const std::vector<Case>& selected, std::string& info) {
  std::map<std::string, Timing> times;
  char script_path[] = "/tmp/nninit_bench_fill_XXXXXX.py";
  const int fd = mkstemps(script_path, 3);
  if (fd < 0) return times;
  const std::string script = torch_script;
  const bool written = write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  close(fd);
  char input_path[] = "/tmp/nninit_bench_fill_XXXXXX.txt";
  const int in_fd = mkstemps(input_path, 4);
  if (written && in_fd >= 0) {
    std::string input;
    for (const Case& c : selected) {
      input += fmt::format("{}\t{}\t{}\n", key_of(c), nninit::dtype_name(c.dtype), c.torch_call);
    }
    const bool input_written = write(in_fd, input.data(), input.size()) == static_cast<ssize_t>(input.size());
    close(in_fd);
    const std::string command = fmt::format("{} {} {} {} {} {} < {}", options.python, script_path, rows, cols,
                                            options.reps, options.threads, input_path);
    if (FILE* pipe = input_written ? popen(command.c_str(), "r") : nullptr) {
      char line[1024];
      while (std::fgets(line, sizeof line, pipe) != nullptr) {
        std::string text(line);
        if (!text.empty() && text.back() == '\n') text.pop_back();
        if (text.starts_with("info ")) {
          info = text.substr(5);
        } else if (text.starts_with("time\t")) {
          const auto cpu_tab = text.rfind('\t');
          const auto wall_tab = text.rfind('\t', cpu_tab - 1);
          times[text.substr(5, wall_tab - 5)] = {std::atof(text.c_str() + wall_tab + 1),
                                                 std::atof(text.c_str() + cpu_tab + 1)};
        }
      }
      pclose(pipe);
    }
  }
  std::remove(input_path);
  std::remove(script_path);
  return times;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "nninit_bench_fill: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--log2-numel") {
      o.log2_numel = std::stoi(value());
    } else if (arg == "--reps") {
      o.reps = std::max(1, std::stoi(value()));
    } else if (arg == "--threads") {
      o.threads = std::max(1, std::stoi(value()));
    } else if (arg == "--torch-version") {
      o.torch_version = value();
    } else if (arg == "--capability") {
      o.capability = value();
    } else if (arg == "--python") {
      o.python = value();
    } else if (arg == "--no-torch") {
      o.run_torch = false;
    } else if (arg == "--filter") {
      o.filter = value();
    } else {
      std::fprintf(
          stderr,
          "usage: nninit_bench_fill [--log2-numel N] [--reps R] [--threads T] [--torch-version V]\n"
          "                         [--capability default|avx2|avx512] [--python PATH] [--no-torch]\n"
          "                         [--filter SUBSTRING]\n");
      std::exit(2);
    }
  }
  return o;
}

std::string ratio(double a, double b) {
  return a > 0 && b > 0 ? fmt::format("{:.2f}", a / b) : "-";
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  const std::int64_t numel = std::int64_t{1} << options.log2_numel;
  const std::int64_t rows = std::int64_t{1} << (options.log2_numel / 2);
  const std::int64_t cols = numel / rows;

  nninit::TorchVariant variant;
  {
    const auto dot = options.torch_version.find('.');
    variant.version = {std::stoi(options.torch_version.substr(0, dot)),
                       std::stoi(options.torch_version.substr(dot + 1))};
    variant.capability = options.capability == "default"  ? nninit::TorchCapability::generic
                         : options.capability == "avx512" ? nninit::TorchCapability::avx512
                                                          : nninit::TorchCapability::avx2;
  }
  fmt::print(
      "nninit_bench_fill: {}x{} = 2^{} elements, best of {}, {} thread(s); nninit kernels: {}; "
      "emulating PyTorch {} capability {}\n",
      rows, cols, options.log2_numel, options.reps, options.threads,
      nninit::host_isa_name(nninit::host_isa()), variant.version.str(),
      nninit::torch_capability_name(variant.capability));

  // Memory write bandwidth over a pre-faulted buffer at least as large as the float32 tensor.
  const std::size_t buffer_bytes =
      std::max<std::size_t>(std::size_t{512} << 20, 4 * static_cast<std::size_t>(numel));
  std::unique_ptr<std::byte, decltype(&std::free)> buffer(
      static_cast<std::byte*>(std::aligned_alloc(4096, buffer_bytes)), &std::free);
  std::memset(buffer.get(), 0, buffer_bytes);
  const int bw_reps = std::max(3, options.reps);
  const double nt1 = store_bandwidth(buffer.get(), buffer_bytes, 1, true, bw_reps);
  const double ntn = store_bandwidth(buffer.get(), buffer_bytes, options.threads, true, bw_reps);
  const double plain1 = store_bandwidth(buffer.get(), buffer_bytes, 1, false, bw_reps);
  const double plainn = store_bandwidth(buffer.get(), buffer_bytes, options.threads, false, bw_reps);
  buffer.reset();
  fmt::print("memory write bandwidth ({} MiB pre-faulted, {}-byte stores):\n", buffer_bytes >> 20,
             __builtin_cpu_supports("avx512f") ? 64
             : __builtin_cpu_supports("avx")   ? 32
                                               : 16);
  fmt::print("  non-temporal stores  1 thread {:6.1f} GB/s   {} threads {:6.1f} GB/s\n", nt1, options.threads,
             ntn);
  fmt::print("  plain stores         1 thread {:6.1f} GB/s   {} threads {:6.1f} GB/s\n", plain1,
             options.threads, plainn);

  std::vector<Case> selected;
  for (const Case& c : cases()) {
    if (options.filter.empty() || key_of(c).find(options.filter) != std::string::npos) selected.push_back(c);
  }

  std::map<std::string, Timing> nninit_seconds;
  const nninit::ScopedThreadCount fill_threads(options.threads);
  for (const Case& c : selected) {
    const nninit::Tensor x = nninit::Tensor::empty({rows, cols}, c.dtype);
    x.zero_();  // pre-fault
    nninit::TorchGenerator torch_generator(0, variant);
    nninit::PhiloxGenerator philox_stream(0, "bench.weight");
    nninit::Generator& generator =
        c.engine == Engine::philox ? static_cast<nninit::Generator&>(philox_stream) : torch_generator;
    Timing best{1e300, 0.0};
    for (int r = 0; r < options.reps; ++r) {
      const double cpu_start = process_cpu_seconds();
      const auto start = Clock::now();
      c.nninit_call(x, generator);
      const double wall = seconds_since(start);
      if (wall < best.wall) best = {wall, process_cpu_seconds() - cpu_start};
    }
    nninit_seconds[key_of(c)] = best;
  }

  std::map<std::string, Timing> torch_seconds;
  std::string torch_info = "not run";
  if (options.run_torch) {
    torch_info = "failed to run";
    torch_seconds = torch_times(options, rows, cols, selected, torch_info);
  }
  fmt::print("PyTorch: {}\n\n", torch_info);

  fmt::print("{:<32} {:<8} {:>8} {:>6} {:>6} {:>8} {:>6} {:>6} {:>8} {:>8} {:>9} {:>9}\n", "call", "dtype",
             "nninit", "GB/s", "cpu/s", "PyTorch", "GB/s", "cpu/s", "nninit/", "cpu-time", "nninit/NT",
             "nninit/NT");
  fmt::print("{:<32} {:<8} {:>8} {:>6} {:>6} {:>8} {:>6} {:>6} {:>8} {:>8} {:>9} {:>9}\n", "", "", "Gelem/s",
             "", "", "Gelem/s", "", "", "PyTorch", "ratio", "1 thread",
             fmt::format("{} thr.", options.threads));
  for (const Case& c : selected) {
    const double elements = static_cast<double>(numel);
    const double bytes = elements * static_cast<double>(nninit::itemsize(c.dtype));
    const Timing ours = nninit_seconds[key_of(c)];
    const auto it = torch_seconds.find(key_of(c));
    const Timing theirs = it == torch_seconds.end() ? Timing{} : it->second;
    auto rate = [&](double seconds) { return seconds > 0 ? elements / seconds * 1e-9 : 0.0; };
    auto shown = [](double value, int digits) {
      return value > 0 ? fmt::format("{:.{}f}", value, digits) : "-";
    };
    const double ours_gbs = bytes / ours.wall * 1e-9;
    fmt::print("{:<32} {:<8} {:>8.3f} {:>6.2f} {:>6.2f} {:>8} {:>6} {:>6} {:>8} {:>8} {:>9} {:>9}\n", c.name,
               nninit::dtype_name(c.dtype), rate(ours.wall), ours_gbs, ours.cpu / ours.wall,
               shown(rate(theirs.wall), 3), shown(theirs.wall > 0 ? bytes / theirs.wall * 1e-9 : 0.0, 2),
               shown(theirs.wall > 0 ? theirs.cpu / theirs.wall : 0.0, 2),
               ratio(rate(ours.wall), rate(theirs.wall)), ratio(theirs.cpu, ours.cpu), ratio(ours_gbs, nt1),
               ratio(ours_gbs, ntn));
  }
  fmt::print(
      "\nGelem/s and GB/s: wall-clock rates, best of {}. cpu/s: CPU seconds per wall second in that run "
      "(threads\n"
      "busy; below the thread count when the machine is shared). cpu-time ratio: PyTorch's CPU seconds over\n"
      "nninit's. nninit/NT: nninit's GB/s over the non-temporal store bandwidth measured above.\n",
      options.reps);
  return 0;
}
