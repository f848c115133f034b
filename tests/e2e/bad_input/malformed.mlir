// A type that never closes its '<': the parser must report it with a location and stop.
module {
  func.func @malformed() {
    %x = meshc.input "x" features {classes = 4} : !meshc.tensor<batch=8, f32
    %y = meshc.input "y" labels {classes = 4} : !meshc.tensor<batch=8, i32>
    return
  }
}
