//! Rebuilds the store when a migration is added: the migrations are embedded at compile time,
//! and a new folder would otherwise go unnoticed until some other change.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
