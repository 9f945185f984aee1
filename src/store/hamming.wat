;; Hamming distances between one binary code and many, with WebAssembly SIMD (i8x16.popcnt).
;; Source of src/store/hamming-wasm.ts; regenerate with `npx tsx test/tools/wasm.ts --write`.
;;
;; hamming(codes, n, bytes, query, out): for each of the n codes of `bytes` bytes stored one after another
;; from `codes`, writes popcount(code XOR query) as an unsigned 16-bit integer at out + 2 * row.
;; `bytes` must be a positive multiple of 16 and at most 4096 (16-bit lanes cannot overflow: 256 steps
;; of at most 16 bits per lane pair).
(module
  (import "env" "memory" (memory 1))
  (func (export "hamming")
    (param $codes i32) (param $n i32) (param $bytes i32) (param $query i32) (param $out i32)
    (local $row i32) (local $off i32) (local $end i32) (local $acc v128) (local $bytesum v128)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $n)))
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $off (i32.const 0))
        (loop $blocks
          ;; Up to 16 steps summed in 8-bit lanes (at most 8 bits a lane a step: 128 < 256), then widened.
          (local.set $end (i32.add (local.get $off) (i32.const 256)))
          (local.set $end
            (select (local.get $end) (local.get $bytes) (i32.lt_u (local.get $end) (local.get $bytes))))
          (local.set $bytesum (v128.const i64x2 0 0))
          (loop $words
            (local.set $bytesum
              (i8x16.add
                (local.get $bytesum)
                (i8x16.popcnt
                  (v128.xor
                    (v128.load (i32.add (local.get $codes) (local.get $off)))
                    (v128.load (i32.add (local.get $query) (local.get $off)))))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br_if $words (i32.lt_u (local.get $off) (local.get $end))))
          (local.set $acc (i16x8.add (local.get $acc) (i16x8.extadd_pairwise_i8x16_u (local.get $bytesum))))
          (br_if $blocks (i32.lt_u (local.get $off) (local.get $bytes))))
        (local.set $acc (i32x4.extadd_pairwise_i16x8_u (local.get $acc)))
        (i32.store16
          (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 1)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $codes (i32.add (local.get $codes) (local.get $bytes)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows)))))
