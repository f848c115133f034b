// A decoder-only language model, written with the meshc DSL.
//
//   tokens[batch, seq] -> embedding(vocab) + positional embedding
//     -> layers x pre-LN block:
//          h += out_proj(softmax_seq_k(causal_mask(q . k)) . v)      (heads x d_head)
//          h += w2 gelu(w1 layer_norm(h) + b1) + b2                   (d_ff)
//     -> layer_norm -> logits[batch, seq, vocab]
//   loss = mean softmax cross-entropy of the logits against the next tokens; Adam.
//
// Data: deterministic synthetic token sequences. The runtime's synthetic inputs are
// classification data (docs/IR.md, `meshc.input`), so a sequence is read off a features
// input src[batch, seq_all = seq + 1, token_src = vocab]: token t = argmax over token_src of
// src[., t, .]. A sample's features are a per-class centroid plus noise, element by element a
// function of global indices: each sample is a noisy copy of one of `--classes` template
// sentences, so the next token is predictable from the prefix and the loss falls. The inputs
// are tokens[0, seq) and the targets tokens[1, seq + 1) (two slices of src along seq_all).
//
// Attention scores are not scaled by 1/sqrt(d_head) at run time: the scale is folded into the
// initialisation of wq (as in T5), which is the same function at step 0 and one op fewer.
//
// Sizes come from flags, so one source is the example, the e2e tests and the benchmark:
//   transformer_gen [--batch 8] [--seq 128] [--layers 2] [--d-model 512] [--heads 8]
//                   [--d-head d_model/heads] [--d-ff 2048] [--vocab 8192] [--classes 16]
//                   [--lr 1e-3] [--dropout 0] [--fused-qkv 1] [--head 1] [--mesh m=2]
//                   [--layout heads:m,d_ff:m,vocab:m] [--remat-blocks 0] [-o transformer.mlir]
// `--remat-blocks K` builds the first K blocks in a RematScope (recomputed in the backward pass).
// `--layers 1 --head 0` is one bare block (bench/transformer_block.py): a regression loss
// (mean of the block's output squared) instead of embedding, final norm and vocabulary.
// Layouts shipped beside it (layouts/*.layout): data-parallel `batch:b`, Megatron tensor
// parallel `heads:m,d_ff:m,vocab:m` and the 2x2 hybrid `batch:b,heads:m,d_ff:m,vocab:m`.
//
//===----------------------------------------------------------------------===//
#include "meshc/dsl.h"

#include <cmath>
#include <optional>
#include <string>

using namespace meshc::dsl;

namespace {

struct Sizes {
  Dim batch, seq, seqK, dModel, heads, dHead, dFF, vocab;
  bool fusedQKV = false;
};

/// U(-s, s) with s the Glorot scale of a [fan_in, fan_out] matrix, times `gain`.
Init glorotUniform(int64_t fanIn, int64_t fanOut, double gain = 1.0) {
  return Init::uniform(gain * std::sqrt(6.0 / static_cast<double>(fanIn + fanOut)));
}

/// layer_norm over d_model with its own learned scale and shift.
/// Ops made here carry the caller's source line (what errors and collectives point at).
Tensor norm(Graph &g, const std::string &name, const Tensor &x, const Sizes &s,
            std::source_location loc = std::source_location::current()) {
  Tensor gamma = g.param(name + "_gamma", {s.dModel}, Init::constant(1.0), loc);
  Tensor beta = g.param(name + "_beta", {s.dModel}, Init::zeros(), loc);
  return layer_norm(x, s.dModel, gamma, beta, 1e-5, loc);
}

Tensor maybeDropout(const Tensor &x, double rate,
                    std::source_location loc = std::source_location::current()) {
  return rate > 0 ? dropout(x, rate, loc) : x;
}

/// One pre-LN block: causal multi-head self-attention and a GELU MLP, both residual.
Tensor block(Graph &g, const std::string &p, Tensor h, const Sizes &s, double dropoutRate) {
  const int64_t d = s.dModel.size, hd = s.heads.size * s.dHead.size;
  const double attnScale = 1.0 / std::sqrt(static_cast<double>(s.dHead.size));

  Tensor x = norm(g, p + "_ln1", h, s);
  Tensor q, k, v;
  if (s.fusedQKV) {
    // One einsum for q, k and v (Megatron's fused QKV): its input gradient is one partial sum
    // over heads, so the backward pass all-reduces once per block, not once per projection.
    // The 1/sqrt(d_head) is split between q and k (sqrt each); v's scale is wo's to learn.
    Dim qkv{"qkv", 3}, part{"qkv_part", 1};
    Tensor wqkv = g.param(p + "_wqkv", {s.dModel, qkv, s.heads, s.dHead},
                          glorotUniform(d, hd, std::sqrt(attnScale)));
    Tensor all = einsum({x, wqkv}, {s.batch, s.seq, qkv, s.heads, s.dHead});
    auto take = [&](int64_t i, const Dim &position) {
      return reshape(slice(all, qkv, i, part), {s.batch, position, s.heads, s.dHead});
    };
    q = take(0, s.seq);
    k = take(1, s.seqK);
    v = take(2, s.seqK);
  } else {
    Tensor wq = g.param(p + "_wq", {s.dModel, s.heads, s.dHead}, glorotUniform(d, hd, attnScale));
    Tensor wk = g.param(p + "_wk", {s.dModel, s.heads, s.dHead}, glorotUniform(d, hd));
    Tensor wv = g.param(p + "_wv", {s.dModel, s.heads, s.dHead}, glorotUniform(d, hd));
    q = einsum({x, wq}, {s.batch, s.seq, s.heads, s.dHead});
    // Keys and values index the key position: the same tokens under the name seq_k, so that
    // the scores carry both positions.
    k = rename(einsum({x, wk}, {s.batch, s.seq, s.heads, s.dHead}), {{s.seq, s.seqK}});
    v = rename(einsum({x, wv}, {s.batch, s.seq, s.heads, s.dHead}), {{s.seq, s.seqK}});
  }
  Tensor wo = g.param(p + "_wo", {s.heads, s.dHead, s.dModel}, glorotUniform(hd, d));
  Tensor scores = einsum({q, k}, {s.batch, s.heads, s.seq, s.seqK});
  Tensor probs = softmax(causal_mask(scores, s.seq, s.seqK), s.seqK);
  Tensor attn = einsum({maybeDropout(probs, dropoutRate), v}, {s.batch, s.seq, s.heads, s.dHead});
  h = h + maybeDropout(einsum({attn, wo}, {s.batch, s.seq, s.dModel}), dropoutRate);

  Tensor y = norm(g, p + "_ln2", h, s);
  Tensor w1 = g.param(p + "_w1", {s.dModel, s.dFF}, Init::glorot());
  Tensor b1 = g.param(p + "_b1", {s.dFF}, Init::zeros());
  Tensor w2 = g.param(p + "_w2", {s.dFF, s.dModel}, Init::glorot());
  Tensor b2 = g.param(p + "_b2", {s.dModel}, Init::zeros());
  Tensor f = gelu(einsum({y, w1}, {s.batch, s.seq, s.dFF}) + b1);
  return h + maybeDropout(einsum({f, w2}, {s.batch, s.seq, s.dModel}) + b2, dropoutRate);
}

/// Block `l`, inside a RematScope for the first `rematBlocks` blocks (--remat-blocks): their
/// cheap activations are recomputed in the backward pass, as meshc --remat does everywhere.
Tensor rematBlock(Graph &g, int64_t l, const Tensor &h, const Sizes &s, double dropoutRate,
                  int64_t rematBlocks) {
  std::optional<RematScope> remat;
  if (l < rematBlocks)
    remat.emplace(g);
  return block(g, "layer" + std::to_string(l), h, s, dropoutRate);
}

} // namespace

int main(int argc, char **argv) {
  Args args(argc, argv);
  const int64_t dModel = args.integer("--d-model", 512);
  const int64_t heads = args.integer("--heads", 8);
  const int64_t seq = args.integer("--seq", 128);
  Sizes s{{"batch", args.integer("--batch", 8)},
          {"seq", seq},
          {"seq_k", seq},
          {"d_model", dModel},
          {"heads", heads},
          {"d_head", args.integer("--d-head", heads > 0 ? dModel / heads : 0)},
          {"d_ff", args.integer("--d-ff", 2048)},
          {"vocab", args.integer("--vocab", 8192)}};
  s.fusedQKV = args.integer("--fused-qkv", 1) != 0;
  const int64_t layers = args.integer("--layers", 2);
  Dim classes{"classes", args.integer("--classes", 16)};
  const double lr = args.number("--lr", 1e-3);
  const double dropoutRate = args.number("--dropout", 0.0);
  const bool noHead = args.integer("--head", 1) == 0;
  const int64_t rematBlocks = args.integer("--remat-blocks", 0);

  Graph g("transformer");
  Tensor h, loss;
  if (noHead) {
    // One bare block on features: what bench/transformer_block.py times.
    Tensor x = g.input("x", {s.batch, s.seq, s.dModel}, Data::features(classes));
    h = x;
    for (int64_t l = 0; l < layers; ++l)
      h = rematBlock(g, l, h, s, dropoutRate, rematBlocks);
    loss = mean(h * h);
  } else {
    Dim seqAll{"seq_all", seq + 1}, tokenSrc{"token_src", s.vocab.size};
    Tensor src = g.input("src", {s.batch, seqAll, tokenSrc}, Data::features(classes));
    Tensor tokens = argmax(slice(src, seqAll, 0, s.seq), tokenSrc);
    Tensor targets = argmax(slice(src, seqAll, 1, s.seq), tokenSrc);

    Tensor wte = g.param("wte", {s.vocab, s.dModel}, Init::normal(0.02));
    Tensor wpe = g.param("wpe", {s.seq, s.dModel}, Init::normal(0.01));
    h = maybeDropout(embedding(wte, tokens) + wpe, dropoutRate);
    for (int64_t l = 0; l < layers; ++l)
      h = rematBlock(g, l, h, s, dropoutRate, rematBlocks);
    Tensor wout = g.param("w_out", {s.dModel, s.vocab}, Init::glorot());
    Tensor logits = einsum({norm(g, "ln_f", h, s), wout}, {s.batch, s.seq, s.vocab});
    loss = mean(softmax_cross_entropy(logits, targets, s.vocab));
  }
  g.minimize(loss, Adam{lr, 0.9, 0.999, 1e-8});

  // The default: Megatron tensor parallel on 2 ranks (a bare block has no vocabulary).
  g.mesh(args.string("--mesh", "m=2"))
      .layout(args.string("--layout", noHead ? "heads:m,d_ff:m" : "heads:m,d_ff:m,vocab:m"));
  return g.emit(args);
}
