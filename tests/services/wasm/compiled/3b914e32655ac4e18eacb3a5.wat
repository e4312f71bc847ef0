(module (memory 1 1) (table 1 funcref) (func $f)
           (data $d "xy") (elem $e funcref (ref.func $f) (ref.null func))
           (func (export "g") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 2)) (data.drop $d)))