using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReverseCrypt.FileSystems.Reverse;

/// <summary>
/// The nodes the kernel knows, with their lookup counts (FUSE: +1 per lookup or accepted READDIRPLUS entry, -n per
/// FORGET). The same (parent, kind, plaintext name) maps to the same node while the kernel holds it.
/// </summary>
/// <remarks>
/// <para>Built for millions of nodes (a walk of a large tree makes the kernel hold one per entry): a node is a 64-byte
/// slot in chunks of 4096 slots, with its plaintext name inline (names over 24 bytes in a side table) and the state of
/// the file the kernel was last told (<see cref="ReportedState"/>), plus one int in an open-addressing index by
/// (parent, kind, name); the content fingerprint of opened files is kept aside. No
/// per-node object exists except for the root and directories (<see cref="ReverseNode"/>, which carry the descriptor
/// cache, IV and long-name index); no encrypted name or path is stored. A forgotten node's slot is reused; a chunk
/// whose nodes were all forgotten is released, and once enough memory was released the heap is compacted, so the
/// daemon's memory falls back after the kernel forgets. 1,000,000 nodes take about 72 MB (slots and index).</para>
/// <para>Node ids are (generation &lt;&lt; 32 | slot + 1), with a generation that changes on every reuse of a slot,
/// so an id is never handed out twice within a mount (until 2^32 nodes were created) and a stale id finds nothing.
/// The root is slot 0, id 1. A directory leaves the table only after all nodes under it did (the kernel forgets
/// children first; this only guards the order).</para>
/// <para>Thread-safe: one lock; every operation is short.</para>
/// </remarks>
internal sealed class ReverseNodeTable : IDisposable
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int ChunkMask = ChunkSize - 1;
    private const int InlineNameLength = 24;
    private const int MinIndexCapacity = 1024;
    private const byte FlagUsed = 1, FlagIndexed = 2, FlagSpilled = 4, FlagPersistent = 8, FlagOpened = 16;
    private const uint S_IFDIR = 0x4000;

    /// <summary>Released memory (bytes of chunks and index) after which the owner hears of it.</summary>
    private const long CollectAfterReleasedBytes = 8L << 20;

    private readonly object _lock = new();
    private readonly Action<ReverseNode>? _removed;
    private readonly Action? _memoryReleased;
    private readonly Dictionary<int, ReverseNode> _persistent = new();
    private readonly Dictionary<int, byte[]> _spilledNames = new();
    private readonly Dictionary<int, ulong> _fingerprints = new();
    private readonly Timer _collectTimer;
    private Slot[]?[] _chunks = new Slot[]?[16];
    private ChunkInfo[] _chunkInfo = new ChunkInfo[16];
    private int _lowestFreeChunk;
    private int[] _index = new int[MinIndexCapacity];
    private int _indexCount;
    private int _count;
    private uint _generation;
    private long _releasedBytes;

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct Slot
    {
        public uint Lookups;
        /// <summary>Parent slot; for a free slot, the next free slot of the chunk (-1: none).</summary>
        public int Parent;
        public uint Generation;
        public int Hash;
        public byte Kind;
        /// <summary>S_IFMT bits >> 12.</summary>
        public byte FileType;
        public byte NameLength;
        public byte Flags;
        public InlineName Name;
        /// <summary>Regular files: the plaintext size of the last attributes sent to the kernel (-1: none yet).</summary>
        public long ReportedSize;
        /// <summary>Regular files: <see cref="ReportedState.Stamp"/> of the last attributes sent to the kernel.</summary>
        public ulong ReportedStamp;
        /// <summary>When the state was recorded: the low 32 bits of <see cref="Environment.TickCount64"/>.</summary>
        public uint ReportedAt;
        /// <summary>Regular files: <see cref="ReportedState.Identity"/> (inode number and birth time) of the last
        /// attributes sent to the kernel.</summary>
        public ulong ReportedIdentity;
    }

    [InlineArray(InlineNameLength)]
    private struct InlineName
    {
        private byte _first;
    }

    private struct ChunkInfo
    {
        public int Live;
        /// <summary>Slots handed out so far from the start of the chunk.</summary>
        public int Bump;
        /// <summary>First free slot (within the chunk) of the free list, -1 when empty.</summary>
        public int FreeHead;
    }

    /// <param name="removed">Called (under the table's lock) for every directory that leaves the table.</param>
    public ReverseNodeTable(Action<ReverseNode>? removed = null, Action? memoryReleased = null)
    {
        _removed = removed;
        _memoryReleased = memoryReleased;
        Root = new RootNode(Fuse.FuseConstants.RootNodeId);
        _chunks[0] = new Slot[ChunkSize];
        _chunks[0]![0].Flags = FlagUsed | FlagPersistent;
        _chunks[0]![0].Lookups = 1;
        _chunks[0]![0].FileType = (byte)(S_IFDIR >> 12);
        _chunkInfo[0] = new ChunkInfo { Live = 1, Bump = 1, FreeHead = -1 };
        for (int i = 1; i < _chunkInfo.Length; i++)
        {
            _chunkInfo[i].FreeHead = -1;
        }
        _persistent[0] = Root;
        _count = 1;
        _collectTimer = new Timer(static state => ((ReverseNodeTable)state!).CollectReleased(), this,
            Timeout.Infinite, Timeout.Infinite);
    }

    public ReverseNode Root { get; }

    /// <summary>Nodes in the table, the root included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    /// <summary>Chunks of slots allocated now (for tests and diagnostics).</summary>
    public int ChunkCount
    {
        get
        {
            lock (_lock)
            {
                int n = 0;
                foreach (var chunk in _chunks)
                {
                    n += chunk is null ? 0 : 1;
                }
                return n;
            }
        }
    }

    /// <summary>
    /// The node with this id (a new short-lived object for nodes other than the root and directories), or null (never
    /// handed out, or forgotten).
    /// </summary>
    public ReverseNode? Get(ulong nodeId)
    {
        if (nodeId == Fuse.FuseConstants.RootNodeId)
        {
            return Root;
        }
        lock (_lock)
        {
            int s = Find(nodeId);
            if (s < 0)
            {
                return null;
            }
            ref Slot slot = ref SlotAt(s);
            if ((slot.Flags & FlagPersistent) != 0)
            {
                return _persistent[s];
            }
            if (!_persistent.TryGetValue(slot.Parent, out var parent))
            {
                return null;
            }
            return ReverseNode.Create((ReverseNodeKind)slot.Kind, nodeId, s, parent, NameOf(s, ref slot).ToArray(),
                (uint)slot.FileType << 12);
        }
    }

    /// <summary>
    /// Finds or creates the child of <paramref name="parent"/> that is (<paramref name="kind"/>,
    /// <paramref name="plainName"/>) and adds one lookup reference; returns its node id. An existing node is reused
    /// only if it has the same file type (<paramref name="fileType"/>, S_IFMT bits): a file replaced by a directory
    /// gets a new node id, as the kernel expects (the old id stays valid until forgotten).
    /// </summary>
    /// <param name="reported">The state of a regular file that the reply carrying this lookup tells the kernel
    /// (recorded on the node, see <see cref="NoteReported"/>), or null.</param>
    public ulong AddLookup(ReverseNode parent, ReverseNodeKind kind, ReadOnlySpan<byte> plainName, uint fileType,
        ReportedState? reported = null)
    {
        ArgumentNullException.ThrowIfNull(parent);
        if (plainName.Length > byte.MaxValue)
        {
            throw new ArgumentException("Names are at most 255 bytes.", nameof(plainName));
        }
        lock (_lock)
        {
            if (parent.Removed)
            {
                throw new InvalidOperationException($"{parent} was forgotten.");
            }
            int hash = HashOf(parent.Slot, (byte)kind, plainName);
            int position = FindIndexed(parent.Slot, (byte)kind, plainName, hash);
            int existing = position < 0 ? -1 : _index[position] - 1;
            byte type = (byte)(fileType >> 12);
            if (existing >= 0)
            {
                ref Slot old = ref SlotAt(existing);
                if (old.FileType == type)
                {
                    if (old.Lookups < uint.MaxValue)
                    {
                        old.Lookups++;
                    }
                    if ((old.Flags & FlagPersistent) != 0)
                    {
                        _persistent[existing].ForgetPending = false;
                    }
                    if (reported is { } r)
                    {
                        old.ReportedSize = r.Size;
                        old.ReportedStamp = r.Stamp;
                        old.ReportedIdentity = r.Identity;
                        old.ReportedAt = (uint)Environment.TickCount64;
                    }
                    return IdOf(existing, old.Generation);
                }
            }

            int s = AllocateSlot();
            ref Slot slot = ref SlotAt(s);
            slot.Lookups = 1;
            slot.Parent = parent.Slot;
            slot.Generation = NextGeneration();
            slot.Hash = hash;
            slot.Kind = (byte)kind;
            slot.FileType = type;
            slot.NameLength = (byte)plainName.Length;
            slot.Flags = FlagUsed | FlagIndexed;
            slot.ReportedSize = reported?.Size ?? -1;
            slot.ReportedStamp = reported?.Stamp ?? 0;
            slot.ReportedIdentity = reported?.Identity ?? 0;
            slot.ReportedAt = (uint)Environment.TickCount64;
            if (plainName.Length <= InlineNameLength)
            {
                plainName.CopyTo(slot.Name);
            }
            else
            {
                slot.Flags |= FlagSpilled;
                _spilledNames[s] = plainName.ToArray();
            }
            ulong id = IdOf(s, slot.Generation);
            if (kind == ReverseNodeKind.Real && fileType == S_IFDIR)
            {
                slot.Flags |= FlagPersistent;
                _persistent[s] = ReverseNode.Create(kind, id, s, parent, plainName.ToArray(), fileType);
            }
            parent.ChildCount++;
            _count++;
            if (existing >= 0)
            {
                // The old node (another object now under this name) stays reachable by id until forgotten.
                SlotAt(existing).Flags &= unchecked((byte)~FlagIndexed);
                _index[position] = s + 1;
            }
            else
            {
                InsertIndexed(s, hash);
            }
            return id;
        }
    }

    /// <summary>Drops <paramref name="nlookup"/> references of a node; at zero the node leaves the table.</summary>
    public void Forget(ulong nodeId, ulong nlookup)
    {
        lock (_lock)
        {
            int s = Find(nodeId);
            if (s <= 0)
            {
                return;
            }
            ref Slot slot = ref SlotAt(s);
            slot.Lookups = nlookup >= slot.Lookups ? 0 : slot.Lookups - (uint)nlookup;
            if (slot.Lookups > 0)
            {
                return;
            }
            if ((slot.Flags & FlagPersistent) != 0 && _persistent[s].ChildCount > 0)
            {
                _persistent[s].ForgetPending = true;
                return;
            }
            Free(s);
        }
    }

    /// <summary>Records the state of a regular file that a reply (GETATTR, LOOKUP, READDIRPLUS entry) tells the
    /// kernel; the last one recorded is what OPEN pins (<see cref="GetReported"/>).</summary>
    public void NoteReported(ulong nodeId, ReportedState reported)
    {
        lock (_lock)
        {
            int s = Find(nodeId);
            if (s > 0)
            {
                ref Slot slot = ref SlotAt(s);
                slot.ReportedSize = reported.Size;
                slot.ReportedStamp = reported.Stamp;
                slot.ReportedIdentity = reported.Identity;
                slot.ReportedAt = (uint)Environment.TickCount64;
            }
        }
    }

    /// <summary>The state of the file the kernel was last told for this node, or null (none recorded, or the node
    /// is gone); <paramref name="age"/>: how long ago it was told (wraps after 49 days).</summary>
    public ReportedState? GetReported(ulong nodeId, out TimeSpan age)
    {
        age = TimeSpan.Zero;
        lock (_lock)
        {
            int s = Find(nodeId);
            if (s <= 0)
            {
                return null;
            }
            ref Slot slot = ref SlotAt(s);
            if (slot.ReportedSize < 0)
            {
                return null;
            }
            age = TimeSpan.FromMilliseconds(unchecked((uint)Environment.TickCount64 - slot.ReportedAt));
            return new ReportedState(slot.ReportedSize, slot.ReportedStamp, slot.ReportedIdentity);
        }
    }

    /// <summary>Records the fingerprint of the content a node was opened with; true when it equals the previous
    /// one (0 is never a fingerprint).</summary>
    public bool ExchangeFingerprint(ulong nodeId, ulong fingerprint)
    {
        lock (_lock)
        {
            int s = Find(nodeId);
            if (s < 0)
            {
                return false;
            }
            SlotAt(s).Flags |= FlagOpened;
            ref ulong stored = ref CollectionsMarshal.GetValueRefOrAddDefault(_fingerprints, s, out _);
            bool same = stored == fingerprint;
            stored = fingerprint;
            return same;
        }
    }

    public void Dispose() => _collectTimer.Dispose();

    /// <summary>Node id of slot <paramref name="s"/> with generation <paramref name="generation"/>.</summary>
    private static ulong IdOf(int s, uint generation) => ((ulong)generation << 32) | (uint)(s + 1);

    // Caller holds _lock. The slot of a live node id, or -1.
    private int Find(ulong nodeId)
    {
        uint low = (uint)nodeId;
        if (low == 0 || low > int.MaxValue)
        {
            return -1;
        }
        int s = (int)low - 1;
        int chunk = s >> ChunkBits;
        if (chunk >= _chunks.Length || _chunks[chunk] is not { } slots)
        {
            return -1;
        }
        ref Slot slot = ref slots[s & ChunkMask];
        if ((slot.Flags & FlagUsed) == 0 || slot.Lookups == 0 && s != 0 || slot.Generation != (uint)(nodeId >> 32))
        {
            return -1;
        }
        return s;
    }

    private ref Slot SlotAt(int s) => ref _chunks[s >> ChunkBits]![s & ChunkMask];

    private ReadOnlySpan<byte> NameOf(int s, ref Slot slot) =>
        (slot.Flags & FlagSpilled) != 0
            ? _spilledNames[s]
            : MemoryMarshal.CreateReadOnlySpan(ref slot.Name[0], slot.NameLength);

    private uint NextGeneration()
    {
        _generation++;
        if (_generation == 0)
        {
            _generation = 1;
        }
        return _generation;
    }

    // Caller holds _lock. Takes a slot from the lowest chunk that has one, so that nodes gather at the start and
    // chunks at the end can empty out and be released.
    private int AllocateSlot()
    {
        for (int c = _lowestFreeChunk; ; c++)
        {
            if (c == _chunks.Length)
            {
                Array.Resize(ref _chunks, c * 2);
                Array.Resize(ref _chunkInfo, c * 2);
                for (int i = c; i < _chunkInfo.Length; i++)
                {
                    _chunkInfo[i].FreeHead = -1;
                }
            }
            ref ChunkInfo info = ref _chunkInfo[c];
            if (_chunks[c] is null)
            {
                _chunks[c] = new Slot[ChunkSize];
                info = new ChunkInfo { FreeHead = -1 };
            }
            int within;
            if (info.FreeHead >= 0)
            {
                within = info.FreeHead;
                info.FreeHead = _chunks[c]![within].Parent;
            }
            else if (info.Bump < ChunkSize)
            {
                within = info.Bump++;
            }
            else
            {
                if (c == _lowestFreeChunk)
                {
                    _lowestFreeChunk = c + 1;
                }
                continue;
            }
            info.Live++;
            return (c << ChunkBits) | within;
        }
    }

    // Caller holds _lock. Removes node s (and parents left pending whose last child it was).
    private void Free(int s)
    {
        while (true)
        {
            ref Slot slot = ref SlotAt(s);
            if ((slot.Flags & FlagIndexed) != 0)
            {
                RemoveIndexed(s, slot.Hash);
            }
            if ((slot.Flags & FlagSpilled) != 0)
            {
                _spilledNames.Remove(s);
            }
            if ((slot.Flags & FlagOpened) != 0)
            {
                _fingerprints.Remove(s);
            }
            if ((slot.Flags & FlagPersistent) != 0 && _persistent.Remove(s, out var node))
            {
                node.Removed = true;
                _removed?.Invoke(node);
            }
            int parentSlot = slot.Parent;
            int chunk = s >> ChunkBits;
            slot = default;
            ref ChunkInfo info = ref _chunkInfo[chunk];
            slot.Parent = info.FreeHead;
            info.FreeHead = s & ChunkMask;
            info.Live--;
            _count--;
            if (info.Live == 0 && chunk != 0)
            {
                _chunks[chunk] = null;
                info = new ChunkInfo { FreeHead = -1 };
                NoteReleased((long)ChunkSize * Unsafe.SizeOf<Slot>());
            }
            if (chunk < _lowestFreeChunk)
            {
                _lowestFreeChunk = chunk;
            }
            MaybeShrinkIndex();

            var parent = _persistent.GetValueOrDefault(parentSlot);
            if (parent is null)
            {
                return;
            }
            parent.ChildCount--;
            if (parent.ChildCount > 0 || !parent.ForgetPending || parentSlot == 0)
            {
                return;
            }
            s = parentSlot;
        }
    }

    private static int HashOf(int parentSlot, byte kind, ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.Add(parentSlot);
        hash.Add(kind);
        hash.AddBytes(name);
        return hash.ToHashCode();
    }

    // Caller holds _lock. Index position of the indexed node (parent, kind, name), or -1.
    private int FindIndexed(int parentSlot, byte kind, ReadOnlySpan<byte> name, int hash)
    {
        int mask = _index.Length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask)
        {
            int entry = _index[i];
            if (entry == 0)
            {
                return -1;
            }
            int s = entry - 1;
            ref Slot slot = ref SlotAt(s);
            if (slot.Hash == hash && slot.Parent == parentSlot && slot.Kind == kind && NameOf(s, ref slot).SequenceEqual(name))
            {
                return i;
            }
        }
    }

    // Caller holds _lock.
    private void InsertIndexed(int s, int hash)
    {
        if ((_indexCount + 1) * 2 > _index.Length)
        {
            Rehash(_index.Length * 2);
        }
        int mask = _index.Length - 1;
        int i = hash & mask;
        while (_index[i] != 0)
        {
            i = (i + 1) & mask;
        }
        _index[i] = s + 1;
        _indexCount++;
    }

    // Caller holds _lock. Linear probing with backward-shift deletion (no tombstones).
    private void RemoveIndexed(int s, int hash)
    {
        int mask = _index.Length - 1;
        int i = hash & mask;
        while (_index[i] != s + 1)
        {
            if (_index[i] == 0)
            {
                return;
            }
            i = (i + 1) & mask;
        }
        int hole = i;
        for (int j = (hole + 1) & mask; _index[j] != 0; j = (j + 1) & mask)
        {
            int home = SlotAt(_index[j] - 1).Hash & mask;
            // Move the entry at j into the hole unless its home lies cyclically in (hole, j].
            bool stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
            if (!stays)
            {
                _index[hole] = _index[j];
                hole = j;
            }
        }
        _index[hole] = 0;
        _indexCount--;
    }

    // Caller holds _lock.
    private void MaybeShrinkIndex()
    {
        if (_index.Length > MinIndexCapacity && _indexCount * 8 < _index.Length)
        {
            long before = _index.Length * sizeof(int);
            Rehash(Math.Max(MinIndexCapacity, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, _indexCount * 4))));
            NoteReleased(before - _index.Length * sizeof(int));
        }
    }

    private void Rehash(int capacity)
    {
        var old = _index;
        _index = new int[capacity];
        int mask = capacity - 1;
        foreach (int entry in old)
        {
            if (entry == 0)
            {
                continue;
            }
            int i = SlotAt(entry - 1).Hash & mask;
            while (_index[i] != 0)
            {
                i = (i + 1) & mask;
            }
            _index[i] = entry;
        }
    }

    // Caller holds _lock. Once enough memory was released, trim the side tables a moment after the last release (the
    // kernel forgets in bursts) and tell the owner: the garbage chunks are large objects that only a full, compacting
    // collection returns to the system, and whether to pay for one is the hosting process's decision.
    private void NoteReleased(long bytes)
    {
        _releasedBytes += bytes;
        if (_releasedBytes >= CollectAfterReleasedBytes)
        {
            _collectTimer.Change(1000, Timeout.Infinite);
        }
    }

    private void CollectReleased()
    {
        lock (_lock)
        {
            _releasedBytes = 0;
            if (_persistent.Count * 4 < _persistent.EnsureCapacity(0))
            {
                _persistent.TrimExcess();
            }
            if (_spilledNames.Count * 4 < _spilledNames.EnsureCapacity(0))
            {
                _spilledNames.TrimExcess();
            }
            if (_fingerprints.Count * 4 < _fingerprints.EnsureCapacity(0))
            {
                _fingerprints.TrimExcess();
            }
        }
        _memoryReleased?.Invoke();
    }
}
