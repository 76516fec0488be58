namespace ReverseCrypt.FileSystems.Tests.Support;

/// <summary>
/// Base of the in-process tests of the reverse view: for each test a scratch directory with an empty plaintext tree
/// <see cref="Plain"/> and a core over the vector key; the views made with <see cref="Create"/> are disposed after it.
/// </summary>
public abstract class ReverseViewFixture
{
    private readonly List<ReverseFileSystem> _views = [];

    protected TestDirectory Dir { get; private set; } = null!;

    protected string Plain { get; private set; } = null!;

    protected CryptoCore Core { get; private set; } = null!;

    [SetUp]
    public void CreatePlainTreeAndCore()
    {
        Dir = new TestDirectory();
        Plain = Dir.Sub("plain");
        Core = TestKeys.CreateCore();
    }

    [TearDown]
    public void DisposeViewsCoreAndTree()
    {
        DisposeViews();
        Core.Dispose();
        Dir.Dispose();
    }

    /// <summary>Disposes the views made so far (before the test changes what they hold open).</summary>
    protected void DisposeViews()
    {
        foreach (var view in _views)
        {
            view.Dispose();
        }
        _views.Clear();
    }

    /// <summary>A view of <see cref="Plain"/> (or as <paramref name="options"/> say) and a client that drives it.</summary>
    protected (ReverseFileSystem Fs, ViewClient View) Create(ReverseOptions? options = null)
    {
        var fs = new ReverseFileSystem(options ?? new ReverseOptions(Plain), Core);
        _views.Add(fs);
        return (fs, new ViewClient(fs));
    }
}
