namespace ReverseCrypt.FileSystems;

/// <summary>
/// Open-file and open-directory handles given to the kernel as 64-bit numbers: a slot index in the low 32 bits and
/// a per-slot generation in the high 32 bits, so a stale or forged number never reaches another file's object.
/// <see cref="Get"/> takes no lock and allocates nothing (the read path); adding and removing take a lock.
/// </summary>
public sealed class HandleTable<T> where T : class
{
    private readonly object _lock = new();
    private readonly Stack<int> _free = new();
    private Slot[] _slots = new Slot[64];
    private int _used;

    private sealed class Slot
    {
        public uint Generation;
        public T? Value;
    }

    /// <summary>Number of handles currently open.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _used - _free.Count;
            }
        }
    }

    /// <summary>Stores <paramref name="value"/> and returns its handle number (never 0).</summary>
    public ulong Add(T value)
    {
        lock (_lock)
        {
            int index;
            if (_free.Count > 0)
            {
                index = _free.Pop();
            }
            else
            {
                if (_used == _slots.Length)
                {
                    Array.Resize(ref _slots, _slots.Length * 2);
                }
                index = _used++;
                _slots[index] = new Slot();
            }
            var slot = _slots[index];
            slot.Generation++;
            Volatile.Write(ref slot.Value, value);
            return ((ulong)slot.Generation << 32) | (uint)index;
        }
    }

    /// <summary>The object of <paramref name="handle"/>, or null when it is not open.</summary>
    public T? Get(ulong handle)
    {
        var slots = Volatile.Read(ref _slots);
        uint index = (uint)handle;
        if (index >= (uint)slots.Length)
        {
            return null;
        }
        var slot = slots[index];
        if (slot is null)
        {
            return null;
        }
        var value = Volatile.Read(ref slot.Value);
        return value is not null && slot.Generation == (uint)(handle >> 32) ? value : null;
    }

    /// <summary>Removes and returns the object of <paramref name="handle"/> (null when it was not open).</summary>
    public T? Remove(ulong handle)
    {
        lock (_lock)
        {
            uint index = (uint)handle;
            if (index >= (uint)_used)
            {
                return null;
            }
            var slot = _slots[index];
            if (slot.Value is null || slot.Generation != (uint)(handle >> 32))
            {
                return null;
            }
            var value = slot.Value;
            Volatile.Write(ref slot.Value, null);
            _free.Push((int)index);
            return value;
        }
    }

    /// <summary>Removes and returns every open object (shutdown).</summary>
    public List<T> RemoveAll()
    {
        lock (_lock)
        {
            var all = new List<T>();
            for (int i = 0; i < _used; i++)
            {
                var value = _slots[i].Value;
                if (value is not null)
                {
                    all.Add(value);
                    _slots[i].Value = null;
                    _free.Push(i);
                }
            }
            return all;
        }
    }
}
