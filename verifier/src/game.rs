//! The proof game's off-chain player (issue 19 item 4; the game itself: `docs/proof-game.md`,
//! `contracts/verification/ProofGame.sol`). Pure computation, no chain access: the keeper (and
//! the simulator) wrap these moves in transactions.
//!
//! * [`TensorTree`]: one tensor's chunk tree, built once with every level kept. The orchestrator
//!   [`TensorTree::reveal`]s the words two levels below the node in dispute (the chunks
//!   themselves at the bottom), exactly what `ProofGame.reveal` checks; the challenger
//!   [`TensorTree::pick`]s the first word that differs from its own tree, and among chunks the
//!   first byte that differs.
//! * [`Position`]: the node in dispute as the contract tracks it (`levelsLeft`, `chunkIndex`),
//!   and how a pick moves it.
//! * [`bisection`]: a whole bisection between two trees, off chain (replays, simulations).
//! * [`JobTensors`]: a job's committed tensors (the input, then every op's output: leaf `k` of the
//!   layer commitment), their roots and root proofs, the first leaf where two runs diverge, the
//!   [`FinalStep`] for a picked element, and the job archive the orchestrator's agent keeps
//!   ([`JobTensors::to_archive`]).

use crate::commit::{self, CHUNK, Tree};
use crate::hash::Hash32;
use crate::opening::Opener;
use crate::{Error, Result};

/// A chunk or a node hash: the 32-byte words a reveal carries.
pub type Word = [u8; CHUNK];

/// The node in dispute: `levels_left` levels above the chunks (`ProofGame`'s `levelsLeft`),
/// `index` its position in that level (`chunkIndex`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Levels between this node and the chunks.
    pub levels_left: u32,
    /// Its index in its level.
    pub index: u64,
}

impl Position {
    /// The root of a tree of depth `depth`: where every game starts.
    pub fn root(depth: u32) -> Self {
        Position {
            levels_left: depth,
            index: 0,
        }
    }

    /// Words the orchestrator reveals here: the 4 nodes two levels down, 2 when one level is
    /// left, the chunk itself when none is (`ProofGame.reveal`'s width).
    pub fn width(&self) -> usize {
        match self.levels_left {
            0 => 1,
            1 => 2,
            _ => 4,
        }
    }

    /// Whether the words revealed here are chunks (the last reveal of the bisection).
    pub fn reveals_chunks(&self) -> bool {
        self.levels_left <= 2
    }

    /// The position of revealed word `child`: the next node in dispute, or, when the words were
    /// chunks, the picked chunk (`levels_left` 0, `index` the chunk's index).
    pub fn child(&self, child: u64) -> Position {
        let index = self.index * self.width() as u64 + child;
        let levels_left = if self.reveals_chunks() {
            0
        } else {
            self.levels_left - 2
        };
        Position { levels_left, index }
    }

    /// The height (above the chunks) of the words revealed here.
    fn words_height(&self) -> u32 {
        self.levels_left.saturating_sub(2)
    }
}

/// The node that revealed `words` hang from, as `ProofGame._parent` computes it (`chunks`: the
/// words are chunks, hashed as leaves first). `None` for a width other than 1, 2 or 4.
pub fn parent(words: &[Word], chunks: bool) -> Option<Hash32> {
    let h = |w: &Word| if chunks { commit::leaf(w) } else { *w };
    match words {
        [a] => Some(h(a)),
        [a, b] => Some(commit::node(&h(a), &h(b))),
        [a, b, c, d] => Some(commit::node(
            &commit::node(&h(a), &h(b)),
            &commit::node(&h(c), &h(d)),
        )),
        _ => None,
    }
}

/// The depth of a tensor's chunk tree of `length` bytes (`ProofGame._depthOf`): log2 of its
/// chunk count rounded up to a power of two.
pub fn depth_of(length: u64) -> u32 {
    length
        .div_ceil(CHUNK as u64)
        .max(1)
        .next_power_of_two()
        .trailing_zeros()
}

/// The challenger's pick among revealed words: the word it disputes and, among chunks, the byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pick {
    /// Index of the disputed word.
    pub child: u64,
    /// The disputed byte of the chunk (0 when the words were nodes).
    pub byte: u8,
}

/// One tensor's chunk tree with every level kept: the player's side of a bisection.
#[derive(Clone, Debug)]
pub struct TensorTree {
    tree: Tree,
}

impl TensorTree {
    /// Builds the tree of `bytes` once.
    pub fn new(bytes: &[u8]) -> Self {
        TensorTree {
            tree: Tree::new(bytes),
        }
    }

    /// Its root ([`commit::root`]).
    pub fn root(&self) -> Hash32 {
        self.tree.root()
    }

    /// Its depth ([`depth_of`] of the tensor's length).
    pub fn depth(&self) -> u32 {
        self.tree.depth() as u32
    }

    /// The node at `at` in this tree (`None` outside it).
    pub fn node(&self, at: Position) -> Option<Hash32> {
        self.tree
            .level(at.levels_left as usize)?
            .get(usize::try_from(at.index).ok()?)
            .copied()
    }

    /// What the orchestrator reveals below the node at `at`: the 4 nodes two levels down (2 when
    /// one level is left), or, when those are chunks, the chunks themselves.
    pub fn reveal(&self, at: Position) -> Result<Vec<Word>> {
        let width = at.width();
        let first = usize::try_from(at.index)
            .ok()
            .and_then(|i| i.checked_mul(width))
            .ok_or_else(|| outside(at))?;
        let words: Option<Vec<Word>> = if at.reveals_chunks() {
            (first..first + width)
                .map(|i| self.tree.chunk(i).copied())
                .collect()
        } else {
            let level = self
                .tree
                .level(at.words_height() as usize)
                .ok_or_else(|| outside(at))?;
            level.get(first..first + width).map(<[Word]>::to_vec)
        };
        match words {
            Some(w) if at.levels_left <= self.depth() => Ok(w),
            _ => Err(outside(at)),
        }
    }

    /// The challenger's pick among `words` revealed at `at`: the first word that differs from
    /// this tree's, and among chunks the first differing byte. An error if every word agrees
    /// (the revealed words then hash to this tree's node: nothing left to dispute here) or if
    /// `words` is not a reveal's width.
    pub fn pick(&self, at: Position, words: &[Word]) -> Result<Pick> {
        if words.len() != at.width() {
            return Err(Error::Claim(format!(
                "{} words revealed where {} are due",
                words.len(),
                at.width()
            )));
        }
        let mine = self.reveal(at)?;
        let (child, (theirs, ours)) = words
            .iter()
            .zip(&mine)
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .ok_or_else(|| Error::Claim(format!("every word revealed at {at:?} agrees")))?;
        let byte = if at.reveals_chunks() {
            theirs
                .iter()
                .zip(ours)
                .position(|(a, b)| a != b)
                .unwrap_or(0) as u8
        } else {
            0
        };
        Ok(Pick {
            child: child as u64,
            byte,
        })
    }
}

/// One exchange of a bisection: what was revealed where, and what was picked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The node in dispute.
    pub at: Position,
    /// The orchestrator's words.
    pub words: Vec<Word>,
    /// The challenger's pick.
    pub pick: Pick,
}

/// A whole bisection played off chain between an orchestrator holding `orchestrator` and a
/// challenger holding `challenger` (both honest players of their trees), each reveal checked as
/// `ProofGame.reveal` checks it: the exchanges in order; the last one's pick names the chunk
/// (`at.child(pick.child).index`) and byte the final step recomputes. For replays and
/// simulations; an error when the trees do not differ or are of different depths.
pub fn bisection(orchestrator: &TensorTree, challenger: &TensorTree) -> Result<Vec<Exchange>> {
    if orchestrator.depth() != challenger.depth() || orchestrator.root() == challenger.root() {
        return Err(Error::Claim(
            "a bisection needs two different trees of one depth".into(),
        ));
    }
    let mut at = Position::root(orchestrator.depth());
    let mut node = orchestrator.root();
    let mut out = Vec::new();
    loop {
        let words = orchestrator.reveal(at)?;
        if parent(&words, at.reveals_chunks()) != Some(node) {
            return Err(Error::Claim(format!(
                "the reveal at {at:?} is not the node's"
            )));
        }
        let pick = challenger.pick(at, &words)?;
        let last = at.reveals_chunks();
        node = words[pick.child as usize];
        out.push(Exchange { at, words, pick });
        if last {
            return Ok(out);
        }
        at = at.child(pick.child);
    }
}

fn outside(at: Position) -> Error {
    Error::Claim(format!("position {at:?} is outside the tree"))
}

/// What `ProofGame.finish` takes: the judge's opening (`abi.encode(LiteRtJudge.Opening)`) and,
/// per tensor the judge reads, its root's path in the layer commitment, in the judge's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalStep {
    /// The judge's opening.
    pub opening: Vec<u8>,
    /// Root proofs (siblings bottom-up), one per input the judge returns.
    pub root_proofs: Vec<Vec<Hash32>>,
}

/// The path of the tensor root at `leaf` in the layer commitment over `roots` (the input's root
/// first, then each op's output root): siblings bottom-up, what `ProofGame._opens` checks.
pub fn root_proof(roots: &[Hash32], leaf: usize) -> Option<Vec<Hash32>> {
    (leaf < roots.len())
        .then(|| commit::open_range(&roots.concat(), leaf, 1).map(|p| p.siblings))
        .flatten()
}

/// Op `layer`'s node opened against the model id, in the judge's format, for `ProofGame.open`
/// and `disproveDepth` (the opening of an element past the output: the node alone).
pub fn node_opening(opener: &Opener, layer: usize, tensors: &[&[u8]]) -> Result<Vec<u8>> {
    let length = opener
        .record(layer)
        .ok_or_else(|| Error::Claim(format!("layer {layer} does not exist")))?
        .out_length;
    Ok(opener.open(layer, length, tensors)?.abi_encode())
}

/// Magic of a job archive file (version 1).
const ARCHIVE_MAGIC: &[u8; 8] = b"LPTJOB1\0";

/// A job's committed tensors: leaf 0 the job input, leaf `k + 1` op `k`'s output, with their
/// roots. The orchestrator's agent keeps one per served job (its archive); the challenger builds
/// one from its own re-run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobTensors {
    tensors: Vec<Vec<u8>>,
    roots: Vec<Hash32>,
}

impl JobTensors {
    /// From the job input and every op's output (execution order).
    pub fn new(input: Vec<u8>, outputs: Vec<Vec<u8>>) -> Self {
        let mut tensors = Vec::with_capacity(outputs.len() + 1);
        tensors.push(input);
        tensors.extend(outputs);
        let roots = tensors.iter().map(|t| commit::root(t)).collect();
        JobTensors { tensors, roots }
    }

    /// The layer commitment a receipt carries ([`commit::layer_commitment`]).
    pub fn commitment(&self) -> Hash32 {
        commit::root(&self.roots.concat())
    }

    /// Every tensor's root, leaf by leaf.
    pub fn roots(&self) -> &[Hash32] {
        &self.roots
    }

    /// The tensor at `leaf`.
    pub fn tensor(&self, leaf: usize) -> Option<&[u8]> {
        self.tensors.get(leaf).map(Vec::as_slice)
    }

    /// Every tensor, leaf by leaf.
    pub fn tensors(&self) -> Vec<&[u8]> {
        self.tensors.iter().map(Vec::as_slice).collect()
    }

    /// Bytes kept: the input plus every op output.
    pub fn bytes(&self) -> usize {
        self.tensors.iter().map(Vec::len).sum()
    }

    /// The path of the root at `leaf` in [`JobTensors::commitment`].
    pub fn root_proof(&self, leaf: usize) -> Option<Vec<Hash32>> {
        root_proof(&self.roots, leaf)
    }

    /// The first leaf whose root differs from `claimed` (another run's roots, input first);
    /// `None` when all agree. Roots missing from `claimed` differ.
    pub fn first_divergence(&self, claimed: &[Hash32]) -> Option<usize> {
        (0..self.roots.len().max(claimed.len()))
            .find(|&leaf| self.roots.get(leaf) != claimed.get(leaf))
    }

    /// The final step for op `layer`'s output `element`, opened on these tensors (the
    /// orchestrator's committed ones: the final step proves its inputs in its own commitment).
    pub fn final_step(&self, opener: &Opener, layer: usize, element: u64) -> Result<FinalStep> {
        let opening = opener.open(layer, element, &self.tensors())?;
        let root_proofs = opening
            .input_leaves
            .iter()
            .map(|&leaf| {
                self.root_proof(leaf as usize)
                    .ok_or_else(|| Error::Claim(format!("no committed tensor at leaf {leaf}")))
            })
            .collect::<Result<_>>()?;
        Ok(FinalStep {
            opening: opening.abi_encode(),
            root_proofs,
        })
    }

    /// The archive file: magic, the tensor count (u32), then each tensor as its length (u64)
    /// and bytes, little-endian. Named by the commitment root where it is stored.
    pub fn to_archive(&self) -> Vec<u8> {
        let mut out = ARCHIVE_MAGIC.to_vec();
        out.extend_from_slice(&(self.tensors.len() as u32).to_le_bytes());
        for t in &self.tensors {
            out.extend_from_slice(&(t.len() as u64).to_le_bytes());
            out.extend_from_slice(t);
        }
        out
    }

    /// Reads an archive, refusing anything malformed (and one that is not of `commitment`, when
    /// given: an archive that does not rebuild the receipt's commitment cannot answer its game).
    pub fn from_archive(bytes: &[u8], commitment: Option<&Hash32>) -> Result<Self> {
        let bad = |why: &str| Error::Claim(format!("not a job archive: {why}"));
        let rest = bytes
            .strip_prefix(ARCHIVE_MAGIC.as_slice())
            .ok_or_else(|| bad("no magic"))?;
        let (count, mut rest) = rest.split_first_chunk::<4>().ok_or_else(|| bad("short"))?;
        let count = u32::from_le_bytes(*count) as usize;
        let mut tensors = Vec::new();
        for _ in 0..count {
            let (len, tail) = rest.split_first_chunk::<8>().ok_or_else(|| bad("short"))?;
            let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| bad("length"))?;
            if tail.len() < len {
                return Err(bad("truncated tensor"));
            }
            let (t, tail) = tail.split_at(len);
            tensors.push(t.to_vec());
            rest = tail;
        }
        if !rest.is_empty() || tensors.is_empty() {
            return Err(bad("trailing bytes or no tensor"));
        }
        let input = tensors.remove(0);
        let job = JobTensors::new(input, tensors);
        if let Some(c) = commitment
            && job.commitment() != *c
        {
            return Err(Error::Claim(
                "the archive's tensors do not rebuild its commitment".into(),
            ));
        }
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize, salt: u8) -> Vec<u8> {
        (0..n)
            .map(|i| crate::keccak(&[(i % 251) as u8, (i / 251) as u8, salt])[0])
            .collect()
    }

    /// Plays a whole bisection between an orchestrator holding `theirs` and a challenger holding
    /// `ours`, checking every reveal as the contract does; returns the picked chunk and byte.
    fn bisect(theirs: &[u8], ours: &[u8]) -> (u64, u8) {
        let (t, o) = (TensorTree::new(theirs), TensorTree::new(ours));
        assert_eq!(t.depth(), depth_of(theirs.len() as u64));
        let game = bisection(&t, &o).unwrap();
        // Two levels per exchange (one on an odd last level, none for a single chunk).
        assert_eq!(game.len(), (t.depth() as usize).div_ceil(2).max(1));
        let last = game.last().unwrap();
        (last.at.child(last.pick.child).index, last.pick.byte)
    }

    #[test]
    fn a_bisection_finds_the_first_differing_byte() {
        for (n, at) in [
            (1usize, 0usize),
            (32, 31),
            (33, 32),
            (64, 5),
            (96, 70),
            (1000, 999),
            (4096, 1234),
            (5000, 4097),
        ] {
            let theirs = bytes(n, 1);
            let mut ours = theirs.clone();
            ours[at] ^= 0x40;
            let (chunk, byte) = bisect(&theirs, &ours);
            assert_eq!(
                chunk as usize * CHUNK + byte as usize,
                at,
                "{n} bytes, byte {at}"
            );
        }
    }

    #[test]
    fn nothing_to_pick_where_all_agree_and_no_reveal_outside() {
        let b = bytes(200, 2);
        let t = TensorTree::new(&b);
        let at = Position::root(t.depth());
        let words = t.reveal(at).unwrap();
        assert!(t.pick(at, &words).is_err());
        assert!(bisection(&t, &t).is_err());
        assert!(t.pick(at, &words[..2]).is_err());
        assert!(
            t.reveal(Position {
                levels_left: 1,
                index: 4
            })
            .is_err()
        );
        assert!(t.reveal(Position::root(t.depth() + 2)).is_err());
        assert_eq!(depth_of(0), 0);
        assert_eq!(depth_of(32), 0);
        assert_eq!(depth_of(33), 1);
        assert_eq!(depth_of(32 << 20), 20);
    }

    #[test]
    fn root_proofs_open_the_commitment_and_archives_round_trip() {
        let job = JobTensors::new(bytes(16, 3), vec![bytes(100, 4), bytes(7, 5), bytes(64, 6)]);
        let outs = [
            job.tensor(1).unwrap(),
            job.tensor(2).unwrap(),
            job.tensor(3).unwrap(),
        ];
        assert_eq!(
            job.commitment(),
            commit::layer_commitment(job.tensor(0).unwrap(), &outs)
        );
        for leaf in 0..4 {
            let proof = commit::RangeProof {
                chunks: vec![job.roots()[leaf]],
                siblings: job.root_proof(leaf).unwrap(),
            };
            assert!(commit::verify_range(&job.commitment(), 4, leaf, &proof));
        }
        assert!(job.root_proof(4).is_none());
        assert_eq!(job.bytes(), 16 + 100 + 7 + 64);
        let archive = job.to_archive();
        assert_eq!(
            JobTensors::from_archive(&archive, Some(&job.commitment())).unwrap(),
            job
        );
        assert!(JobTensors::from_archive(&archive, Some(&[0; 32])).is_err());
        for cut in [0, 8, 12, 20, archive.len() - 1] {
            assert!(JobTensors::from_archive(&archive[..cut], None).is_err());
        }
        let mut long = archive.clone();
        long.push(0);
        assert!(JobTensors::from_archive(&long, None).is_err());
        let mut huge = archive;
        huge[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(JobTensors::from_archive(&huge, None).is_err());
        let mut other = job.roots().to_vec();
        assert_eq!(job.first_divergence(&other), None);
        other[2] = [9; 32];
        assert_eq!(job.first_divergence(&other), Some(2));
        assert_eq!(job.first_divergence(&other[..1]), Some(1));
    }
}
