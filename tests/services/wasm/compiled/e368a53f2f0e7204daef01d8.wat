(module (import "env" "ea_clock_wall_ms" (func (result i64)))
             (global $g (mut i32) (i32.const 0)) (table 1 funcref) (elem (i32.const 0) $s)
             (func $s (i32.const 5) (global.set $g)) (start $s)
             (func (export "g") (result i32) (global.get $g)))