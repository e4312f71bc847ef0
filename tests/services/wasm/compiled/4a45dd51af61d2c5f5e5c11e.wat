(module (memory 1 1)
           (func (export "f") (memory.copy (i32.const 0) (i32.const 1) (i32.const 1))
                              (memory.fill (i32.const 0) (i32.const 1) (i32.const 1))))