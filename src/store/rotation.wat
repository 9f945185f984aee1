;; The random rotation behind the binary codes (src/store/vectors.ts, rotateForCode), with WebAssembly SIMD.
;; Source of src/store/rotation-wasm.ts; regenerate with `npx tsx test/tools/wasm.ts --write`.
;;
;; signed_hadamard(x, signs, size): x[i] *= signs[i], then an unnormalised fast Walsh-Hadamard transform of
;; the `size` floats at x, in place. `size` is a power of two, at least 8. The same operations in the same
;; order as the JavaScript version on float32 values, so the results are bit for bit the same.
(module
  (import "env" "memory" (memory 1))
  (func (export "signed_hadamard") (param $x i32) (param $signs i32) (param $size i32)
    (local $i i32) (local $j i32) (local $h i32) (local $end i32) (local $bytes i32) (local $hb i32)
    (local $a f32) (local $b f32) (local $va v128) (local $vb v128)
    (local.set $bytes (i32.shl (local.get $size) (i32.const 2)))
    ;; signs
    (local.set $i (i32.const 0))
    (loop $flip
      (v128.store (i32.add (local.get $x) (local.get $i))
        (f32x4.mul
          (v128.load (i32.add (local.get $x) (local.get $i)))
          (v128.load (i32.add (local.get $signs) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $flip (i32.lt_u (local.get $i) (local.get $bytes))))
    ;; stages with h = 1 and h = 2: scalar butterflies
    (local.set $h (i32.const 1))
    (loop $small
      (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
      (local.set $i (i32.const 0))
      (loop $blocks
        (local.set $j (local.get $i))
        (local.set $end (i32.add (local.get $i) (local.get $hb)))
        (loop $pairs
          (local.set $a (f32.load (i32.add (local.get $x) (local.get $j))))
          (local.set $b (f32.load (i32.add (local.get $x) (i32.add (local.get $j) (local.get $hb)))))
          (f32.store (i32.add (local.get $x) (local.get $j)) (f32.add (local.get $a) (local.get $b)))
          (f32.store (i32.add (local.get $x) (i32.add (local.get $j) (local.get $hb)))
            (f32.sub (local.get $a) (local.get $b)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $pairs (i32.lt_u (local.get $j) (local.get $end))))
        (local.set $i (i32.add (local.get $i) (i32.shl (local.get $hb) (i32.const 1))))
        (br_if $blocks (i32.lt_u (local.get $i) (local.get $bytes))))
      (local.set $h (i32.shl (local.get $h) (i32.const 1)))
      (br_if $small (i32.lt_u (local.get $h) (i32.const 4))))
    ;; stages with h >= 4: four butterflies at a time
    (block $done
      (loop $stages
        (br_if $done (i32.ge_u (local.get $h) (local.get $size)))
        (local.set $hb (i32.shl (local.get $h) (i32.const 2)))
        (local.set $i (i32.const 0))
        (loop $blocks4
          (local.set $j (local.get $i))
          (local.set $end (i32.add (local.get $i) (local.get $hb)))
          (loop $quads
            (local.set $va (v128.load (i32.add (local.get $x) (local.get $j))))
            (local.set $vb (v128.load (i32.add (local.get $x) (i32.add (local.get $j) (local.get $hb)))))
            (v128.store (i32.add (local.get $x) (local.get $j)) (f32x4.add (local.get $va) (local.get $vb)))
            (v128.store (i32.add (local.get $x) (i32.add (local.get $j) (local.get $hb)))
              (f32x4.sub (local.get $va) (local.get $vb)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br_if $quads (i32.lt_u (local.get $j) (local.get $end))))
          (local.set $i (i32.add (local.get $i) (i32.shl (local.get $hb) (i32.const 1))))
          (br_if $blocks4 (i32.lt_u (local.get $i) (local.get $bytes))))
        (local.set $h (i32.shl (local.get $h) (i32.const 1)))
        (br $stages)))))
