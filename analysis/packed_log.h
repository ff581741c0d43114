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

  value_type operator[](std::size_t index) const {
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

    value_type operator*() const { return (*log_)[index_]; }
    pointer operator->() const { return pointer{**this}; }
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
        base_[f] = low[f];
        width_[f] = static_cast<std::uint8_t>(std::bit_width(high[f] - low[f]));
        record_bits_ += width_[f];
      }
      words_.assign((records.size() * record_bits_ + 63) / 64, 0);
      std::size_t position = 0;
      for (const value_type& record : records) {
        const Fields fields = Codec::fields(record);
        for (std::size_t f = 0; f < kFields; ++f) {
          put(position, width_[f], fields[f] - base_[f]);
          position += width_[f];
        }
      }
    }

    value_type record(std::size_t slot) const {
      Fields fields;
      std::size_t position = slot * record_bits_;
      for (std::size_t f = 0; f < kFields; ++f) {
        fields[f] = base_[f] + get(position, width_[f]);
        position += width_[f];
      }
      return Codec::record(fields);
    }

    std::size_t memory_bytes() const { return sizeof(Chunk) + words_.capacity() * 8; }

   private:
    void put(std::size_t position, unsigned width, std::uint64_t value) {
      if (width == 0) return;
      const std::size_t word = position / 64;
      const unsigned shift = position % 64;
      words_[word] |= value << shift;
      if (shift + width > 64) words_[word + 1] |= value >> (64 - shift);
    }
    std::uint64_t get(std::size_t position, unsigned width) const {
      if (width == 0) return 0;
      const std::size_t word = position / 64;
      const unsigned shift = position % 64;
      std::uint64_t value = words_[word] >> shift;
      if (shift + width > 64) value |= words_[word + 1] << (64 - shift);
      return width == 64 ? value : value & ((std::uint64_t{1} << width) - 1);
    }

    Fields base_{};
    std::array<std::uint8_t, kFields> width_{};
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
