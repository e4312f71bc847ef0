(module
          (memory 1 4)
          (func (export "add") (param i32 i64) (result i64) local.get 1)
          (func (export "none"))
          (func (export "float") (param f32) (result f64) f64.const 1)
          (func (export "pair") (result i32 i32) i32.const 1 i32.const 2))