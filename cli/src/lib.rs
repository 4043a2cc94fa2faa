//! `cli`: the `one*` command-line tools (`onevm`, `onehost`, `onevnet`, `oneimage`,
//! `onetemplate`, `oneuser`, ...). They talk to `oned` only over XML-RPC through
//! [`libone::client`]. The tools arrive with the command-line issue.
