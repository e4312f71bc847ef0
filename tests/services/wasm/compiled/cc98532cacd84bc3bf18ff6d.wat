(module (memory 1 1) (data $d "x")
           (func (export "f") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))))