"""The model of the data: what the dashboard shows, and where it comes from.

The restaurant demo. Every order item (a line of an order: a product, a quantity, its
unit price and unit cost) is a fact. Orders belong to an operation: a business day from
opening to closing, numbered; the latest one may still be open, and that is what the
Live view shows. Products belong to categories.

Everything else derives from MODEL: the SQL (queries.py), the cached loaders (data.py),
the filters, the sections, the benchmark and the generic tests. To show your own data,
replace this file: ``python -m <package> inspect --write --force`` writes one from your
database, for you to review.
"""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
)

from .modeling import (
    COUNT,
    DOWN,
    FLAG,
    ID,
    MONEY,
    PERCENT,
    TIME,
    Breakdown,
    CountDistinct,
    Detail,
    Difference,
    Dimension,
    Field,
    Join,
    Lookup,
    Measure,
    Model,
    Page,
    Period,
    Ranking,
    Ratio,
    Series,
    Share,
    Sum,
)

metadata = MetaData()


def money(name: str) -> Column:
    # asdecimal=False: a row's value is a float in Python (SQLite has no DECIMAL type);
    # a sum of it is exact to the cent all the same (exact.py: the scale, 2, says how).
    return Column(name, Numeric(12, 2, asdecimal=False), nullable=False)


# --- The tables ------------------------------------------------------------------------

operations = Table(
    "operations",
    metadata,
    Column("op_id", Integer, primary_key=True, autoincrement=False),
    Column("business_date", Date, nullable=False),
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime, nullable=True),  # NULL while the operation is open
    Index("ix_operations_business_date", "business_date"),
)

categories = Table(
    "categories",
    metadata,
    Column("category_id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(80), nullable=False, unique=True),
)

products = Table(
    "products",
    metadata,
    Column("product_id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(120), nullable=False),
    Column("category_id", Integer, ForeignKey("categories.category_id"), nullable=False),
    money("price"),
    money("cost"),
    Column("enabled", Boolean, nullable=False, default=True),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Integer, primary_key=True),
    Column("op_id", Integer, ForeignKey("operations.op_id"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("table_no", Integer, nullable=False),
    Index("ix_orders_op_id", "op_id"),
    Index("ix_orders_created_at", "created_at"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("item_id", Integer, primary_key=True),
    Column("order_id", Integer, ForeignKey("orders.order_id"), nullable=False),
    Column("product_id", Integer, ForeignKey("products.product_id"), nullable=False),
    Column("qty", Integer, nullable=False),
    money("unit_price"),
    money("unit_cost"),
    Column("created_at", DateTime, nullable=False),
    Index("ix_order_items_order_id", "order_id"),
    Index("ix_order_items_product_id", "product_id"),
    Index("ix_order_items_created_at", "created_at"),
)

item = order_items.c
line_sales = item.qty * item.unit_price
line_cost = item.qty * item.unit_cost

# --- What the dashboard shows ----------------------------------------------------------

MODEL = Model(
    fact=order_items,
    time=item.created_at,
    joins=(
        Join(orders, item.order_id == orders.c.order_id),
        Join(products, item.product_id == products.c.product_id),
        Join(categories, products.c.category_id == categories.c.category_id),
        Join(operations, orders.c.op_id == operations.c.op_id),
    ),
    period=Period(
        id=operations.c.op_id,
        key=orders.c.op_id,
        date=operations.c.business_date,
        opened_at=operations.c.opened_at,
        closed_at=operations.c.closed_at,
        label={"en": "Operation", "es": "Operación"},
        plural={"en": "Operations", "es": "Operaciones"},
        short={"en": "op", "es": "op."},
        shorts={"en": "ops", "es": "ops."},
        open={"en": "open", "es": "abierta"},
        closed={"en": "closed", "es": "cerrada"},
    ),
    # With sign-in, each user sees only the categories [dashboard.scopes] gives them.
    row_scope="category",
    measures=(
        Measure(
            "sales",
            Sum(line_sales),
            {"en": "Sales", "es": "Ventas"},
            MONEY,
            help={
                "en": "Revenue of the order lines in scope.",
                "es": "Ingresos de las líneas de pedido del período.",
            },
            decimals=0,
        ),
        Measure("cost", Sum(line_cost), {"en": "Cost", "es": "Costo"}, MONEY, good=DOWN),
        Measure(
            "orders",
            CountDistinct(item.order_id),
            {"en": "Orders", "es": "Pedidos"},
            COUNT,
            help={"en": "Distinct orders (tickets).", "es": "Pedidos distintos (tickets)."},
        ),
        Measure("units", Sum(item.qty), {"en": "Units", "es": "Unidades"}, COUNT),
        Measure(
            "avg_ticket",
            Ratio("sales", "orders"),
            {"en": "Average ticket", "es": "Ticket promedio"},
            MONEY,
            help={"en": "Sales divided by orders.", "es": "Ventas divididas entre pedidos."},
        ),
        Measure(
            "gross_margin",
            Difference("sales", "cost"),
            {"en": "Gross margin", "es": "Margen bruto"},
            MONEY,
            help={
                "en": "Sales minus the cost of goods.",
                "es": "Ventas menos el costo de la mercadería.",
            },
            decimals=0,
        ),
        Measure(
            "margin_pct",
            Ratio("gross_margin", "sales", scale=100),
            {"en": "Margin %", "es": "Margen %"},
            PERCENT,
            help={
                "en": "Gross margin as a share of sales.",
                "es": "Margen bruto como porcentaje de las ventas.",
            },
        ),
    ),
    dimensions=(
        Dimension(
            "category",
            categories.c.name,
            label={"en": "Category", "es": "Categoría"},
            plural={"en": "Categories", "es": "Categorías"},
            all={"en": "All categories", "es": "Todas las categorías"},
        ),
        Dimension(
            "product",
            products.c.name,
            label={"en": "Product", "es": "Producto"},
            plural={"en": "Products", "es": "Productos"},
            key=products.c.product_id,
            within="category",
            all={"en": "All products", "es": "Todos los productos"},
        ),
    ),
    page=Page(
        subtitle={"en": "Sales overview", "es": "Resumen de ventas"},
        kpis=("sales", "orders", "avg_ticket", "gross_margin", "margin_pct"),
        status=("orders", "sales"),
        # Each row shares the page's width (a section's width= is its share of its row):
        # a table of five columns gets a row of its own, so every column shows at 1280 px.
        rows=(
            (Series("sales_by_hour", "sales", tooltip=("orders",)),),
            (
                Ranking(
                    "top_products",
                    "product",
                    "sales",
                    colour="category",
                    tooltip=("units",),
                    title={
                        "en": "Top {n} products by sales",
                        "es": "Los {n} productos más vendidos",
                    },
                ),
                Share("sales_by_category", "category", "sales", tooltip=("orders",)),
            ),
            (
                Breakdown(
                    "margins",
                    "category",
                    ("sales", "cost", "gross_margin", "margin_pct"),
                    stack=("gross_margin", "cost"),
                    title={"en": "Margins by category", "es": "Márgenes por categoría"},
                ),
            ),
        ),
        detail=Detail(
            label={"en": "Order lines", "es": "Líneas de pedido"},
            fields=(
                Field("created_at", item.created_at, {"en": "Time", "es": "Hora"}, TIME),
                Field("order_id", item.order_id, {"en": "Order", "es": "Pedido"}, ID),
                "product",
                "category",
                Field("qty", item.qty, {"en": "Qty", "es": "Cant."}, COUNT),
                Field(
                    "unit_price",
                    item.unit_price,
                    {"en": "Unit price", "es": "Precio unitario"},
                    MONEY,
                ),
                Field("total", line_sales, {"en": "Total", "es": "Total"}, MONEY),
            ),
            order_by=(item.created_at.desc(), item.item_id.desc()),
        ),
        lookup=Lookup(
            products,
            fields=(
                Field("product_id", products.c.product_id, {"en": "ID", "es": "ID"}, ID),
                "product",
                "category",
                Field("price", products.c.price, {"en": "Price", "es": "Precio"}, MONEY),
                Field("cost", products.c.cost, {"en": "Cost", "es": "Costo"}, MONEY),
                Field("enabled", products.c.enabled, {"en": "Enabled", "es": "Activo"}, FLAG),
            ),
            order_by=(categories.c.name, products.c.name, products.c.product_id),
            title={"en": "Product catalogue", "es": "Catálogo de productos"},
        ),
    ),
)
