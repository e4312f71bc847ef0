(module 
  (memory (export "memory") 1 16)
  (func (export "ea_alloc") (param i32) (result i32) i32.const 1024)
 )