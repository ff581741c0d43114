// An append-only log of fixed-shape records kept compressed in memory, for the per-operation and
// per-acknowledgement facts a run collects (5,000 of each per simulated second in the benchmark
// reference: an hour of them as plain structs would need several GB).
//
// Records are appended to an open chunk; every kChunkRecords records the chunk is sealed by
// frame-of-reference bit packing: a Codec maps a record to kFields unsigned integers, and per
// chunk each field is stored as its offset from the chunk's smallest value in just as many bits
// as the chunk's range needs. Neighbouring operations have close times, few regions, nodes and
// clients, and keys from a bounded key space, so a record takes 12-16 bytes instead of 112.
// Encoding is exact (modular arithmetic, widths up to 64 bits), so what is read back is what
// was appended, whatever the values. Storage grows chunk by chunk, so appending never copies
// the log (no 2x peak of a doubling vector).
//
// Reading returns records by value (operator[], iterators); random access decodes one record.
// A Codec provides:
//   using Record = ...;  static constexpr std::size_t kFields = ...;
//   static std::array<std::uint64_t, kFields> fields(const Record&);
//   static Record record(const std::array<std::uint64_t, kFields>&);  // inverse of fields()
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

// Reading a record is on the hot path of every pass the analysis makes over a history (several
// per report, and random access from the per-key checkers). Inlined into the caller, the 15
// fields decode in parallel and the ones the caller never reads are dropped: GCC otherwise
// keeps the call and a pass costs several times as much (measured: 13 ns against 1.5 ns a
// record reading one field in order; 115 ns against 50 ns in random order).
#if defined(__GNUC__)
#define CUTOVER_PACKED_INLINE [[gnu::always_inline]] inline
#else
#define CUTOVER_PACKED_INLINE inline
#endif

namespace cutover::analysis {

template <typename Codec>
class PackedLog {
 public:
  using value_type = typename Codec::Record;
  using size_type = std::size_t;
  static constexpr std::size_t kChunkRecords = 4096;  // a power of two: index / chunk is a shift

  class const_iterator;
  using iterator = const_iterator;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  PackedLog() = default;
  explicit PackedLog(const std::vector<value_type>& records) {
    for (const value_type& record : records) push_back(record);
  }

  void push_back(const value_type& record) {
    if (open_.capacity() < kChunkRecords) open_.reserve(kChunkRecords);
    open_.push_back(record);
    if (open_.size() == kChunkRecords) seal_open_chunk();
  }

  std::size_t size() const { return sealed_.size() * kChunkRecords + open_.size(); }
  bool empty() const { return size() == 0; }

  CUTOVER_PACKED_INLINE value_type operator[](std::size_t index) const {
    const std::size_t chunk = index / kChunkRecords;
    if (chunk == sealed_.size()) return open_[index % kChunkRecords];
    return sealed_[chunk].record(index % kChunkRecords);
  }
  value_type at(std::size_t index) const {
    if (index >= size()) throw std::out_of_range("PackedLog::at: index out of range");
    return (*this)[index];
  }
  value_type back() const { return (*this)[size() - 1]; }

  // Rewrites one record in place (re-encodes its chunk if sealed). For tests that plant a
  // change in a recorded history; a run only appends.
  void replace(std::size_t index, const value_type& record) {
    if (index >= size()) throw std::out_of_range("PackedLog::replace: index out of range");
    const std::size_t chunk = index / kChunkRecords;
    if (chunk == sealed_.size()) {
      open_[index % kChunkRecords] = record;
      return;
    }
    std::vector<value_type> records;
    records.reserve(kChunkRecords);
    for (std::size_t i = 0; i < kChunkRecords; ++i) records.push_back(sealed_[chunk].record(i));
    records[index % kChunkRecords] = record;
    sealed_[chunk] = Chunk(records);
  }

  void clear() {
    sealed_.clear();
    open_.clear();
  }

  // Bytes held for the records (sealed chunks' bits plus the open chunk's buffer).
  std::size_t memory_bytes() const {
    std::size_t bytes = open_.capacity() * sizeof(value_type);
    for (const Chunk& chunk : sealed_) bytes += chunk.memory_bytes();
    return bytes;
  }

  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  // Dereferencing yields a record by value; operator-> a holder of one (for it->field).
  class const_iterator {
   public:
    using iterator_concept = std::random_access_iterator_tag;
    using iterator_category = std::random_access_iterator_tag;
    using value_type = typename Codec::Record;
    using difference_type = std::ptrdiff_t;
    using reference = value_type;
    struct pointer {
      value_type record;
      const value_type* operator->() const { return &record; }
    };

    const_iterator() = default;
    const_iterator(const PackedLog* log, std::size_t index) : log_(log), index_(index) {}

    CUTOVER_PACKED_INLINE value_type operator*() const { return (*log_)[index_]; }
    CUTOVER_PACKED_INLINE pointer operator->() const { return pointer{**this}; }
    value_type operator[](difference_type n) const { return *(*this + n); }

    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++index_;
      return before;
    }
    const_iterator& operator--() {
      --index_;
      return *this;
    }
    const_iterator operator--(int) {
      const_iterator before = *this;
      --index_;
      return before;
    }
    const_iterator& operator+=(difference_type n) {
      index_ = static_cast<std::size_t>(static_cast<difference_type>(index_) + n);
      return *this;
    }
    const_iterator& operator-=(difference_type n) { return *this += -n; }
    friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
    friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
    friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
      return static_cast<difference_type>(a.index_) - static_cast<difference_type>(b.index_);
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.index_ == b.index_;
    }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
      return a.index_ <=> b.index_;
    }

   private:
    const PackedLog* log_ = nullptr;
    std::size_t index_ = 0;
  };

 private:
  static constexpr std::size_t kFields = Codec::kFields;
  using Fields = std::array<std::uint64_t, kFields>;

  // kChunkRecords records (or fewer, from replace()), bit-packed field by field.
  class Chunk {
   public:
    explicit Chunk(const std::vector<value_type>& records) {
      Fields low;
      Fields high;
      low.fill(~std::uint64_t{0});
      high.fill(0);
      for (const value_type& record : records) {
        const Fields fields = Codec::fields(record);
        for (std::size_t f = 0; f < kFields; ++f) {
          low[f] = std::min(low[f], fields[f]);
          high[f] = std::max(high[f], fields[f]);
        }
      }
      for (std::size_t f = 0; f < kFields; ++f) {
        const auto width = static_cast<unsigned>(std::bit_width(high[f] - low[f]));
        base_[f] = low[f];
        offset_[f] = static_cast<std::uint16_t>(record_bits_);
        mask_[f] = width == 0 ? 0 : ~std::uint64_t{0} >> (64 - width);
        record_bits_ += width;
      }
      words_.assign((records.size() * record_bits_ + 63) / 64, 0);
      std::size_t position = 0;
      for (const value_type& record : records) {
        const Fields fields = Codec::fields(record);
        for (std::size_t f = 0; f < kFields; ++f) {
          put(position + offset_[f], width(f), fields[f] - base_[f]);
        }
        position += record_bits_;
      }
    }

    // Every field's position in a record is fixed per chunk, so the fields decode independently
    // (no running position, all 15 unrolled): the loads of one record overlap, which matters for
    // random access (a cache miss each), and once inlined, a caller that reads few of a record's
    // fields lets the compiler drop the others.
    CUTOVER_PACKED_INLINE value_type record(std::size_t slot) const {
      return decode(slot * record_bits_, std::make_index_sequence<kFields>{});
    }

    std::size_t memory_bytes() const { return sizeof(Chunk) + words_.capacity() * 8; }

   private:
    template <std::size_t... F>
    CUTOVER_PACKED_INLINE value_type decode(std::size_t position, std::index_sequence<F...>) const {
      return Codec::record(Fields{(base_[F] + get(position + offset_[F], mask_[F]))...});
    }

    unsigned width(std::size_t f) const { return static_cast<unsigned>(std::bit_width(mask_[f])); }
    void put(std::size_t position, unsigned width, std::uint64_t value) {
      if (width == 0) return;
      const std::size_t word = position / 64;
      const unsigned shift = position % 64;
      words_[word] |= value << shift;
      if (shift + width > 64) words_[word + 1] |= value >> (64 - shift);
    }
    // The field at `position` whose width `mask` covers. A field of width 0 (mask 0) reads no
    // memory: its position may be the end of the chunk. The next word is read only when the
    // field runs into it.
    CUTOVER_PACKED_INLINE std::uint64_t get(std::size_t position, std::uint64_t mask) const {
      if (mask == 0) return 0;
      const std::size_t word = position / 64;
      const unsigned shift = position % 64;
      std::uint64_t value = words_[word] >> shift;
      if (shift != 0 && (mask >> (64 - shift)) != 0) value |= words_[word + 1] << (64 - shift);
      return value & mask;
    }

    Fields base_{};
    Fields mask_{};
    std::array<std::uint16_t, kFields> offset_{};
    std::size_t record_bits_ = 0;
    std::vector<std::uint64_t> words_;
  };

  void seal_open_chunk() {
    sealed_.emplace_back(open_);
    open_.clear();  // keeps its capacity for the next chunk
  }

  std::vector<Chunk> sealed_;
  std::vector<value_type> open_;
};

}  // namespace cutover::analysis
