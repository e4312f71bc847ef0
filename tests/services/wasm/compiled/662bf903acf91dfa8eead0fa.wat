(module (memory 1 8)
           (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
           (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
           (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 100) (local.get 0))))