(module (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
                   (func (export "bad") unreachable))