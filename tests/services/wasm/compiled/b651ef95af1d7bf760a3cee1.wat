(module 
  (memory (export "memory") 1 16)
  (func (export "ea_alloc") (param i32) (result i32) i32.const 1024)
 (func (export "greet") (param i32 i32) (result i64) i64.const 0)
           (func (export "ea_free") (param i32 i32))
           (func (export "twice") (param i32) (result i32) local.get 0))